/* cli_validate.h - the "llmmeta validate" command (src/cli_validate.c). */
#ifndef LLMMETA_CLI_VALIDATE_H
#define LLMMETA_CLI_VALIDATE_H

extern const char validate_usage[];
int cmd_validate(int argc, char **argv);

#endif
