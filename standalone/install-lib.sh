# Sourced by standalone/wodle/install and standalone/service/install: what both installers, run as root, need to
# write only where they mean to and install only what nobody else could have changed. Set SAY_TAG before sourcing.
ME=$(id -u)
say() { echo "[${SAY_TAG}] $*" >&2; }
fail() { say "error: $*"; exit 1; }

# Root runs what is installed here. A path is trusted when it and every directory above it belong to root (or to
# the installing user) and nobody else can change them; a world-writable directory only with the sticky bit (/tmp),
# where others cannot replace root's entries. Otherwise the wazuh user (or anyone) could swap in their own file.
trusted() {
  local path owner mode
  path=$(readlink -f -- "$1") || fail "$1: no such path"
  while :; do
    read -r owner mode < <(stat -c '%u %a' -- "$path")
    if [ "$owner" != 0 ] && [ "$owner" != "$ME" ]; then
      fail "$path belongs to uid $owner: root would run or write what another user controls; chown root it"
    fi
    if (( 8#$mode & 8#022 )) && ! { [ -d "$path" ] && (( 8#$mode & 8#1000 )); }; then
      fail "$path is writable by group or others (mode $mode): root would run or write what they control"
    fi
    [ "$path" = / ] && return 0
    path=$(dirname -- "$path")
  done
}

# Never through a symbolic link: one planted where the wazuh user can write would make root write anywhere.
no_link() {
  if [ -L "$1" ]; then
    fail "$1 is a symbolic link: remove it (the installer writes only to regular files)"
  fi
}

# The class archive of the jar installed at $4 (docs/deployment.md): the classes of the class list $3 parsed and
# verified once by java $2, then mapped by each start (the standalone starts ~2 s sooner). Written to $5 as put
# writes (a new file, renamed over), read-only. Only a cache: when java cannot write it, a warning and no archive.
# $1 = no (--no-class-archive): none written, and an earlier install's, made for the jar replaced, removed.
put_class_archive() {
  local wanted=$1 java=$2 list=$3 jar=$4 dest=$5 tmp
  no_link "$dest"
  rm -f -- "$dest"
  if [ "$wanted" = no ]; then
    say "wrote no class archive (--no-class-archive): each start reads the jar's classes itself"
    return 0
  fi
  tmp=$(mktemp -- "$(dirname -- "$dest")/.dwb-install.XXXXXX")
  # launch.sh's dump, the one the launchers run; read as malloc_settings reads launch.sh, in a clean environment.
  if env -i PATH="$PATH" bash -c '. "$1" && class_archive_dump "$2" "$3" "$4" "$5"' _ "$ROOT/bin/support/launch.sh" \
      "$java" "$list" "$jar" "$tmp" && [ -s "$tmp" ]; then
    chmod 0444 -- "$tmp"
    mv -fT -- "$tmp" "$dest"
  else
    rm -f -- "$tmp"
    say "could not write the class archive $dest: the bridge starts without it (a few seconds slower)"
  fi
}

# Writes standard input to $1 with mode $2: a new file in the same directory, renamed over $1 (rename replaces a
# link, never follows it). The file is created by the write itself, under a random name no one knows before (bash's
# noclobber opens a name that does not exist with O_EXCL) and with its mode from the umask: $WAZUH_HOME/etc is the
# wazuh user's, who could swap the file mktemp had created for a link before the write or chmod by name, and root
# then wrote and chmodded any file. Execute bits, which a umask cannot give, are set by name only in a directory no
# one else may write.
put() {
  local tmp dir
  no_link "$1"
  dir=$(dirname -- "$1")
  tmp=$(mktemp -u -- "$dir/.dwb-install.XXXXXX")
  (umask "$(printf '%04o' $(( 0777 & ~0$2 )))" && set -C && cat >"$tmp") || fail "cannot create $tmp"
  if [ $(( 0$2 & 0111 )) != 0 ]; then
    trusted "$dir"
    chmod "$2" -- "$tmp"
  fi
  mv -fT -- "$tmp" "$1"
}

# A root-only directory: created 0700 when missing; an existing one must be trusted.
private_dir() {
  no_link "$1"
  if [ ! -d "$1" ]; then
    mkdir -p -m 0700 -- "$1"
  fi
  trusted "$1"
  chmod 0700 -- "$1"
}

# glibc's malloc settings of every process of the bridge, NAME=VALUE a line, as bin/support/launch.sh's malloc_env
# prints them from deploy/malloc.env (their one source) in the source tree $ROOT.
malloc_settings() {
  local settings
  settings=$(env -i bash -c '. "$1" >/dev/null 2>&1 && malloc_env' _ "$ROOT/bin/support/launch.sh") || true
  [ -n "$settings" ] || fail "found no malloc settings in $ROOT/deploy/malloc.env"
  printf '%s\n' "$settings"
}
