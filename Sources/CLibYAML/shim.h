// libyaml (Debian's libyaml-dev): the YAML parser `check` reads .nx/workflows/sandboxing-config.yaml with.
#include <yaml.h>
