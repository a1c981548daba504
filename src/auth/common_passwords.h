/* common_passwords.h - the passwords too common to accept (Django's CommonPasswordValidator
 * idea, with a short list of our own: the most used passwords and their usual variants). */
#ifndef LLMMETA_COMMON_PASSWORDS_H
#define LLMMETA_COMMON_PASSWORDS_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Sorted, for bsearch. */
static const char *const common_passwords[] = {
	"00000000", "11111111", "11223344", "12121212", "123123123", "12341234", "123456", "12345678",
	"123456789", "1234567890", "1234qwer", "123qwe", "123qweasd", "1q2w3e4r", "1q2w3e4r5t",
	"1qaz2wsx", "55555555", "66666666", "87654321", "88888888", "99999999", "aaaaaaaa", "abc123",
	"abcd1234", "abcdefg123", "abcdefgh", "access", "access14", "admin", "admin123", "administrator",
	"administrator1", "andrew", "angel", "angels", "anything", "apple", "arsenal", "asdf1234",
	"asdfgh", "asdfghjkl", "ashley", "autumn", "baby123", "banana", "barcelona", "baseball",
	"baseball1", "basketball", "batman", "blessed", "blink182", "brother", "business", "buster",
	"butterfly", "changeme", "changeme123", "charlie", "charlotte", "cheese", "chelsea", "children",
	"chocolate", "christ", "company", "computer", "computer1", "cookie", "corvette", "cowboys",
	"daniel", "daniel1", "database", "debian", "default", "diamond", "dollar", "dolphins", "dragon",
	"eagles", "elizabeth", "everything", "facebook", "family", "father", "ferrari", "flower",
	"flowers", "football", "football1", "freedom", "friends", "ginger", "goodbye", "google", "guest",
	"guest123", "harley", "heaven", "hello123", "hello1234", "helloworld", "hockey", "hunter",
	"hunter2", "iloveyou", "iloveyou1", "instagram", "internet", "iphone", "jennifer", "jessica",
	"jesus", "jordan23", "killer", "lakers", "letmein", "letmein123", "linkedin", "linux",
	"liverpool", "login", "love1234", "lovely", "loveme", "loveyou", "maggie", "manager", "master",
	"master123", "mastermind", "matrix", "matthew", "mercedes", "metallica", "michael", "michelle",
	"microsoft", "midnight", "minecraft", "money", "money123", "monkey", "mother", "mustang",
	"myspace", "mysql", "naruto", "neo12345", "nicole", "nirvana", "nothing", "office", "oracle",
	"orange", "p@ssw0rd", "p@ssword", "passw0rd", "password", "password!", "password1", "password1!",
	"password12", "password123", "pepper", "pikachu", "pineapple", "pokemon", "porsche", "postgres",
	"postgresql", "princess", "princess1", "purple", "q1w2e3r4", "q1w2e3r4t5", "qazwsx", "qazwsxedc",
	"qweasdzxc", "qwerty", "qwerty1", "qwerty12", "qwerty123", "qwertyui", "qwertyuiop", "ranger",
	"robert", "rockyou", "root", "rootroot", "samantha", "samsung", "secret", "secret123", "shadow",
	"silver", "sister", "slipknot", "soccer", "something", "spring", "starwars", "steelers",
	"strawberry", "summer", "sunshine", "sunshine1", "superman", "superman1", "superuser",
	"supervisor", "test", "test123", "testing", "testtest", "thomas", "tigger", "toor", "trustme",
	"trustno1", "twitter", "ubuntu", "victoria", "welcome", "welcome1", "welcome123", "welcome2",
	"whatever", "whatever1", "whatsapp", "windows", "winter", "yankees", "yellow", "youtube",
	"zaq12wsx", "zxcv1234", "zxcvbnm", "zxcvbnm123",
};

static int common_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

/* lowered: the candidate, lower-cased and trimmed. */
static inline bool common_password(const char *lowered)
{
	return bsearch(lowered, common_passwords, sizeof common_passwords / sizeof common_passwords[0],
		       sizeof common_passwords[0], common_cmp) != NULL;
}

#endif
