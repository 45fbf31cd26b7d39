// Package archtest holds no code: its test checks the import rules of
// estate's layout (README, "Layout of this repository") on every run, so
// that they hold by construction rather than by review:
//
//   - go-git is imported only under internal/gitrepo, go-github only under
//     internal/github, cobra only in internal/cli;
//   - repository YAML is parsed (yaml.Unmarshal, yaml.NewDecoder) only
//     under internal/load; a user's own option file (the import's --map)
//     is read where it is used;
//   - internal/cli runs no process and imports neither gitrepo nor github
//     nor a YAML or HTTP library: git, GitHub and files are the
//     capability packages' work;
//   - the domain packages (record, match, rules, audit, change, ledger,
//     licence, forecast) import no adapter (gitrepo, github, facts,
//     store, core) and record imports nothing of estate's.
package archtest
