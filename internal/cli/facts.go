package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os/user"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/facts"
	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/schema"
	"github.com/estate-dev/estate/internal/validate"
)

func newFactsCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "facts",
		Short: "Collect device facts: local, over SSH, from osquery or from files",
		Example: `  # the facts of this machine, into facts/
  estate facts collect --local

  # every deployed asset with a hostname, over SSH
  estate facts collect --ssh-inventory --user audit -i ~/.ssh/id_ed25519`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newFactsCollectCmd(app))
	return cmd
}

// sshFlags are the SSH collector's flags, shared by 'facts collect' and
// 'audit --collect ssh'.
type sshFlags struct {
	user        string
	identities  []string
	knownHosts  []string
	acceptNew   bool
	acceptChg   []string
	noAgent     bool
	timeout     time.Duration
	concurrency int
	port        int
}

func (s *sshFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&s.user, "user", "", "SSH login name (default: the current user)")
	f.StringArrayVarP(&s.identities, "identity", "i", nil, "SSH private key file (repeatable; ssh-agent keys are offered too when SSH_AUTH_SOCK is set)")
	f.StringArrayVar(&s.knownHosts, "known-hosts", nil, "known_hosts file to verify host keys against (repeatable; default ~/.ssh/known_hosts)")
	f.BoolVar(&s.acceptNew, "accept-new-host-keys", false, "accept and record the keys of hosts not yet in known_hosts (a changed key is refused unless --accept-changed-host-key names the host)")
	f.StringArrayVar(&s.acceptChg, "accept-changed-host-key", nil, "accept a changed host key of this HOST[:PORT] for this run only, known_hosts unchanged (repeatable; verify the new key first)")
	f.BoolVar(&s.noAgent, "no-agent", false, "do not use ssh-agent")
	f.DurationVar(&s.timeout, "timeout", 30*time.Second, "time allowed per host: connect, authenticate, run, read")
	f.IntVar(&s.concurrency, "concurrency", 16, "hosts collected at once")
	f.IntVar(&s.port, "port", 22, "SSH port of hosts that name none (host:port)")
}

func (s *sshFlags) collect(cmd *cobra.Command, app *App, targets []facts.Target) ([]record.Device, []facts.Failure, error) {
	if s.concurrency < 1 {
		return nil, nil, usageErr("--concurrency must be at least 1")
	}
	if s.timeout <= 0 {
		return nil, nil, usageErr("--timeout must be positive")
	}
	o := facts.SSHOptions{User: s.user, Port: s.port, KeyFiles: s.identities, KnownHosts: s.knownHosts,
		AcceptNew: s.acceptNew, AcceptChanged: s.acceptChg, Timeout: s.timeout, Concurrency: s.concurrency, Now: app.Now,
		Progress: app.progress("collecting")}
	if o.User == "" {
		if u, err := user.Current(); err == nil {
			o.User = u.Username
		}
	}
	if sock := app.Getenv("SSH_AUTH_SOCK"); sock != "" && !s.noAgent {
		o.AgentSocket = sock
	}
	ds, fs, err := facts.CollectSSH(cmd.Context(), o, targets)
	if err != nil {
		return nil, nil, inputErr(err, "see 'estate facts collect --help' for the SSH flags")
	}
	return ds, fs, nil
}

// inventoryTargets lists every deployed or loaned asset with a hostname.
func inventoryTargets(e *record.Estate) []facts.Target {
	var out []facts.Target
	for _, a := range e.SortedAssets() {
		if (a.Status == "deployed" || a.Status == "loaned") && a.Hostname != "" {
			out = append(out, facts.Target{Host: a.Hostname, Asset: a.ID})
		}
	}
	return out
}

type factsCollectOptions struct {
	local        bool
	ssh          []string
	sshInventory bool
	osquery      []string
	from         string
	out          string
	format       string
	sshFlags     sshFlags
}

func newFactsCollectCmd(app *App) *cobra.Command {
	o := &factsCollectOptions{}
	cmd := &cobra.Command{
		Use:   "collect (--local | --ssh HOST... | --ssh-inventory | --osquery FILE... | --from DIR)",
		Short: "Collect device facts into one JSON document per device",
		Long: `Collect writes one normalized facts document (#Facts, see
'estate schema') per device into --out (default: facts/ in the repository),
named after the device's hostname.

  --local          this machine: /etc/os-release, the dpkg and rpm
                   databases, DMI, hostname, dm-crypt, firewall, logged-in
                   users. What cannot be read is left out (unknown) and
                   listed under errors, never guessed.
  --ssh HOST       these hosts over SSH (golang.org/x/crypto/ssh). Host
                   keys are always verified against known_hosts; an unknown
                   key is refused unless --accept-new-host-keys, a changed
                   one unless --accept-changed-host-key names the host. The host runs only a fixed, read-only POSIX
                   sh script, fed on standard input to 'sh -s'.
  --ssh-inventory  every deployed or loaned asset with a hostname, over SSH.
  --osquery FILE   'osqueryi --json' output named after its table
                   (system_info.json, os_version.json, deb_packages.json,
                   ...; one folder per device) or osquery/Fleet result logs.
  --from DIR       facts documents already collected (JSON or YAML, e.g.
                   an MDM export), validated against #Facts.

A device that fails (refused, timed out, bad output, invalid document) is
reported with the reason and never stops the others.

Exit status: 0 every device collected, 1 some failed (the others were
written), 2 usage or input error, 3 estate could not run.`,
		Example: `  # this machine
  estate facts collect --local

  # two hosts, with a key, 8 at a time, 20 s each
  estate facts collect --ssh web-01 --ssh db-01:2222 -i ~/.ssh/audit_ed25519 --concurrency 8 --timeout 20s

  # every deployed asset with a hostname, trusting new hosts for this run
  estate facts collect --ssh-inventory --user audit --accept-new-host-keys

  # osquery output, one folder per device (or the folders themselves)
  estate facts collect --osquery osq/lt-00042/*.json
  estate facts collect --osquery osq/lt-00042 --osquery osq/lt-00043

  # an MDM export, validated and normalized
  estate facts collect --from ./mdm-export --out facts`,
		RunE: func(cmd *cobra.Command, args []string) error {
			// A shell glob after --osquery (or a list of hosts after --ssh)
			// arrives as arguments: they belong to that flag.
			switch {
			case len(args) == 0:
			case len(o.osquery) > 0:
				o.osquery = append(o.osquery, args...)
			case len(o.ssh) > 0:
				o.ssh = append(o.ssh, args...)
			default:
				return usageErr("unexpected arguments %q: name hosts with --ssh and files with --osquery", args)
			}
			return runFactsCollect(cmd, app, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.local, "local", false, "collect this machine's facts")
	f.StringSliceVar(&o.ssh, "ssh", nil, "collect from HOST[:PORT] over SSH (repeatable, or comma-separated)")
	f.BoolVar(&o.sshInventory, "ssh-inventory", false, "collect over SSH from every deployed asset with a hostname")
	f.StringArrayVar(&o.osquery, "osquery", nil, "osquery JSON file or folder (repeatable)")
	f.StringVar(&o.from, "from", "", "folder of facts documents to validate and normalize")
	f.StringVar(&o.out, "out", "", "folder to write the facts into (default: facts/ in the repository)")
	f.StringVar(&o.format, "format", "json", "file format of the facts written: json or yaml")
	o.sshFlags.register(cmd)
	return cmd
}

func runFactsCollect(cmd *cobra.Command, app *App, o *factsCollectOptions) error {
	n := 0
	for _, on := range []bool{o.local, len(o.ssh) > 0, o.sshInventory, len(o.osquery) > 0, o.from != ""} {
		if on {
			n++
		}
	}
	if n != 1 {
		return usageErr("say where to collect from: one of --local, --ssh HOST, --ssh-inventory, --osquery FILE or --from DIR")
	}
	if err := checkChoice("format", o.format, "json", "yaml"); err != nil {
		return err
	}
	ctx := cmd.Context()
	out := o.out
	if out == "" {
		out = filepath.Join(app.Dir(), "facts")
	}
	var devices []record.Device
	var failed []facts.Failure
	switch {
	case o.local:
		d, err := facts.CollectLocal(ctx, facts.LocalOptions{Now: app.Now()})
		if err != nil {
			return &ExitError{Code: ExitFailure, Err: err}
		}
		devices = []record.Device{d}
	case len(o.ssh) > 0:
		var targets []facts.Target
		for _, h := range o.ssh {
			targets = append(targets, facts.Target{Host: h})
		}
		var err error
		if devices, failed, err = o.sshFlags.collect(cmd, app, targets); err != nil {
			return err
		}
	case o.sshInventory:
		dir, err := load.OpenDir(app.Dir())
		if err != nil {
			return &ExitError{Code: ExitFailure, Err: err}
		}
		res, err := validate.Run(ctx, validate.Options{Tree: dir, Now: app.Now()})
		dir.Close()
		if err != nil {
			return &ExitError{Code: ExitFailure, Err: err}
		}
		targets := inventoryTargets(res.Estate)
		if len(targets) == 0 {
			return inputErr(errors.New("no deployed asset has a hostname"), "give deployed assets a hostname, or name hosts with --ssh")
		}
		if devices, failed, err = o.sshFlags.collect(cmd, app, targets); err != nil {
			return err
		}
	case len(o.osquery) > 0:
		var err error
		devices, failed, err = facts.ReadOsquery(o.osquery, facts.OsqueryOptions{Now: app.Now()})
		if err != nil {
			return inputErr(err, "name osquery JSON files or folders")
		}
	case o.from != "":
		sch, err := schema.New(nil)
		if err != nil {
			return &ExitError{Code: ExitFailure, Err: err}
		}
		ds, fs, err := facts.ReadDir(ctx, o.from, facts.ReadOptions{Schema: sch, Prefix: filepath.ToSlash(filepath.Clean(o.from)) + "/"})
		if err != nil {
			return inputErr(err, "name a folder of facts documents")
		}
		devices = ds
		for _, f := range fs {
			failed = append(failed, facts.Failure{Source: f.Pos.File, Pos: f.Pos, Reason: f.Message})
		}
	}
	// Everything written is a valid #Facts document.
	if sch, err := schema.New(nil); err == nil && o.from == "" {
		v := sch.NewValidator()
		kept := devices[:0]
		for _, d := range devices {
			if fs := validateFacts(v, d); len(fs) > 0 {
				failed = append(failed, facts.Failure{Source: d.Source, Reason: "invalid facts: " + fs[0].Message})
				continue
			}
			kept = append(kept, d)
		}
		devices = kept
	}
	written, err := facts.Write(out, devices, o.format)
	if err != nil {
		return &ExitError{Code: ExitFailure, Err: err}
	}
	for i, p := range written {
		rel := p
		if r, err := filepath.Rel(app.Dir(), p); err == nil && !strings.HasPrefix(r, "..") {
			rel = filepath.ToSlash(r)
		}
		fmt.Fprintf(app.Stdout, "wrote %s (%s)\n", rel, devices[i].Source)
		for _, e := range devices[i].Facts.Errors {
			app.Log.Info("not collected", "device", devices[i].Source, "what", e)
		}
	}
	sort.Slice(failed, func(i, j int) bool { return failed[i].Source < failed[j].Source })
	for _, f := range failed {
		where := f.Source
		if f.Pos.Line > 0 {
			where = f.Pos.String()
		}
		fmt.Fprintf(app.Stdout, "%s: %s\n", where, f.Reason)
	}
	fmt.Fprintf(app.Stdout, "facts: %d device%s written to %s, %d failed\n", len(written), plural(len(written)), out, len(failed))
	if len(failed) > 0 {
		return findingsErr()
	}
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// validateFacts checks collected facts against #Facts, as a document
// read from a file would be.
func validateFacts(v *schema.Validator, d record.Device) []record.Finding {
	data, err := jsonBytes(d.Facts)
	if err != nil {
		return []record.Finding{{Message: err.Error()}}
	}
	root, fs := load.Parse(d.Source, data)
	if len(fs) > 0 {
		return fs
	}
	val, fs := load.Value(d.Source, root, load.Limits{MaxFileBytes: facts.MaxFileBytes, MaxNodes: 1_000_000})
	if len(fs) > 0 {
		return fs
	}
	return v.Validate(record.KindFacts, val, d.Source, root)
}

func jsonBytes(f *record.Facts) ([]byte, error) {
	b, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("encode facts: %w", err)
	}
	return b, nil
}
