// Package version says which estate this is: the module version and the
// commit it was built from, read from the build information Go records
// in every binary (go install ...@v1.2.3 sets the module version; a build
// in a git checkout sets vcs.revision, vcs.time and vcs.modified).
// It imports nothing of estate's.
package version
