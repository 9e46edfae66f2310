"""What a container image holds when its Dockerfile says nothing: shared by the Dockerfile
stage model and the command resolver, which both look up programs on an image's PATH."""

# docs/facts.md F12: the PATH of an image that sets none (BuildKit's
# `system.DefaultPathEnvUnix`, also what the official Debian-based images set)
DEFAULT_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
