# nginx-head.sh - sourced by the benchmarks that start nginx of their own: prints
# the head of its configuration, up to the open `http {` block (WORKERS workers in
# the foreground, its pid, log and temporary files under DIR/nginx, no access log, a
# kept-alive client connection closed after KEEPALIVE_REQUESTS requests; nginx's
# default is 1000).
#   nginx_head DIR [WORKERS [KEEPALIVE_REQUESTS]] >DIR/nginx/nginx.conf
#   then the caller's upstreams and servers, and "}"
nginx_head() {
	local dir=$1 workers=${2:-1} requests=${3:-1000000}
	[ "$(id -u)" -eq 0 ] && echo 'user root;' # workers that can write the temporary files under DIR
	cat <<CONF
worker_processes $workers;
daemon off;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests $requests;
    client_body_temp_path $dir/nginx; proxy_temp_path $dir/nginx; fastcgi_temp_path $dir/nginx;
    uwsgi_temp_path $dir/nginx; scgi_temp_path $dir/nginx;
CONF
}
