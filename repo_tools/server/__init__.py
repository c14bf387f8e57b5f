"""The city as a service (ARCHITECTURE.md "The city as a service"): one service account owns the
city (mode 0700), the city's own OpenSSH daemon lets people in, and gitolite3 decides who reaches
which repository; our hooks still decide what lands.

- `layout`:  where the service keeps its account home, its sshd, its interpreter
- `setup`:   `oa server setup CITY` (root): account, interpreter, gitolite, sshd configuration
- `access`:  gitolite's rules and keys, regenerated from the registry after every registry push
- `shell`:   the forced command in front of gitolite-shell: Git only, one Chinese refusal line
- `service`: `oa server start` / `stop` / `status`
"""
