#!/bin/sh
# The official nginx image's template step (its 20-envsubst-on-templates.sh): each template under
# NGINX_ENVSUBST_TEMPLATE_DIR becomes a file under NGINX_ENVSUBST_OUTPUT_DIR without its suffix, with only the
# variables the environment defines substituted (nginx's own $variables stay as they are).
set -eu
template_dir="${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}"
suffix="${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}"
output_dir="${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}"
filter="${NGINX_ENVSUBST_FILTER:-}"
if [ "${1:-}" = nginx ] && [ -d "$template_dir" ]; then
  defined_envs=$(printf '${%s} ' $(awk "END { for (name in ENVIRON) { print ( name ~ /${filter}/ ) ? name : \"\" } }" </dev/null))
  find "$template_dir" -follow -type f -name "*$suffix" -print | while read -r template; do
    relative_path="${template#"$template_dir/"}"
    output_path="$output_dir/${relative_path%"$suffix"}"
    mkdir -p "$(dirname "$output_path")"
    echo "$0: rendering $template to $output_path"
    envsubst "$defined_envs" <"$template" >"$output_path"
  done
fi
exec "$@"
