"""The city's witnessed Merkle log (ARCHITECTURE.md "Identity and signatures").

- `tlog`: RFC 6962 / RFC 9162 hashing and proofs, pure functions over a hash reader;
- `note`: C2SP signed notes, checkpoints and cosignatures (Ed25519 through `cryptography`);
- `tiles`: C2SP tlog-tiles paths, encoding, and a hash reader over published tiles;
- `store`: the server's log: append, stored hashes, tiles, index, signed checkpoints;
- `witness`: a unit's witness (its own key and state; cosigns consistent checkpoints);
- `proof`: offline C2SP tlog-proof files;
- `audit`: `oa log verify`.
"""
