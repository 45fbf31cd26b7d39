// Package store is estate's one writer of records. Every command that
// writes a record (import, change new, init, and later ones) writes it
// through a Store, which
//
//   - renders a typed record (record.Asset, record.Location,
//     record.ChangeRequest, ...) or a yaml.Node with yaml.v3 (Render);
//   - checks the bytes exactly as estate validate checks a file: the load
//     layer's limits (1 MiB, UTF-8, one document, no secrets), the
//     effective schema (the built-in CUE unified with the repository's
//     schema/*.cue), then the rules about one record alone (file name =
//     id, folder = kind and class, estate.yaml's ids: patterns, through
//     internal/rules); and refuses, naming the file, the field and the
//     rule (*RefusedError);
//   - refuses an id that another record of its kind already has, or that
//     differs from one only in case (on macOS and Windows checkouts one
//     file would overwrite the other);
//   - writes atomically inside an os.Root (internal/atomicfile: temporary
//     file, fsync, link or rename), never replacing a file it was not
//     asked to replace.
//
// It is a store (a handle on the estate's files, opened once) rather than
// a function because it keeps what a batch of writes shares: the compiled
// schema, the ids already taken, and the folders to sync at Close.
//
// store may import record, load, schema, rules, validate and atomicfile;
// it knows nothing of flags, git or GitHub, and writes nothing outside
// the estate's directory.
package store
