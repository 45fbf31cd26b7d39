// Package core is estate's application core: the one way every command
// opens an estate. Open reads the working tree or a git revision, with a
// cache policy, through the validation pipeline (internal/validate) into
// one Estate value holding the records and their indexes (by id in
// record.Estate; by serial and hostname in Index, internal/match), the
// settings, the validation findings, and the means to place a finding on
// the YAML line of the field it names (Place).
//
// FindRoot finds the estate a folder is in as git finds a repository
// (the nearest folder up holding estate.yaml, else the git repository's
// root); Open reads the working tree from there, and refuses a run that
// would check nothing (no estate, no records, a path that names none).
//
// Capability packages (validate, audit, change, report, ...) take an
// *Estate, or Options to open one; the CLI only turns flags into Options.
// core may import record, load, match, schema, validate, gitrepo and facts;
// it never imports cli, knows nothing of flags, and writes nothing but
// validate's cache (.git/estate/validate.cache) when the policy says so.
package core
