package collect

import (
	"context"
	"errors"
	"fmt"
	"os/user"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/facts"
	"github.com/estate-dev/estate/internal/factstore"
	"github.com/estate-dev/estate/internal/intake"
	"github.com/estate-dev/estate/internal/record"
)

// Options say where to collect from (exactly one of Local, SSH,
// SSHInventory, Osquery, From, Intune, Jamf, Fleet, Google, Pull) and where to write.
type Options struct {
	Dir          string   // the estate repository (default ".")
	Local        bool     // this machine
	SSH          []string // these hosts (HOST[:PORT]) over SSH
	SSHInventory bool     // every deployed or loaned asset with a hostname, over SSH
	Osquery      []string // osquery JSON files or folders
	From         string   // a folder of facts documents already collected
	Intune       []string // saved Intune (Graph) API pages: files or folders
	Jamf         []string // saved Jamf Pro computers-inventory pages: files or folders
	Fleet        []string // saved Fleet hosts pages: files or folders
	Google       []string // saved Admin SDK Directory chromeosdevices pages: files or folders
	Pull         string   // a live, read-only API: intake.Intune, Jamf, Fleet or Google
	PullOptions  intake.PullOptions
	Out          string // folder written (default: Dir/facts); parquet:DIR a facts store (factstore)
	Format       string // "json" (default) or "yaml"
	SSHOptions   facts.SSHOptions
	Now          time.Time

	unread map[string]int
}

// Written is one facts document written.
type Written struct {
	Path   string   // as written (under Out)
	Rel    string   // Path relative to Dir when inside it, else Path
	Source string   // the device's source (host, folder, file)
	Errors []string // what the collector could not read
}

// Result is what a collection did.
type Result struct {
	Out     string
	Written []Written
	Failed  []facts.Failure // sorted by source
	// Unread counts, by query name, the results of osquery results logs
	// of no table estate reads (a pack's other queries): not failures.
	Unread map[string]int
}

// perFile turns the findings of a facts folder into failures, one a file
// (a file with three problems is one device that failed, not three);
// files that are no facts document at all (low findings: a README, a
// stray export) are passed over, as the audit passes them over.
func perFile(fs []record.Finding) []facts.Failure {
	var out []facts.Failure
	more := map[string]int{} // file → problems after its first
	at := map[string]int{}
	for _, f := range fs {
		if f.Severity < record.SevMedium {
			continue
		}
		if _, ok := at[f.Pos.File]; ok {
			more[f.Pos.File]++
			continue
		}
		at[f.Pos.File] = len(out)
		out = append(out, facts.Failure{Source: f.Pos.File, Pos: f.Pos, Reason: f.Message})
	}
	for file, n := range more {
		out[at[file]].Reason += fmt.Sprintf(" (and %d more problem%s)", n, map[bool]string{true: "s"}[n > 1])
	}
	return out
}

// AddArgs gives a command line's arguments to the source flag they
// follow: a shell glob after --osquery (or a list of hosts after --ssh)
// arrives as arguments. Arguments with no such flag are a usage error.
func (o *Options) AddArgs(args []string) error {
	if len(args) == 0 {
		return nil
	}
	for _, l := range []*[]string{&o.Osquery, &o.SSH, &o.Intune, &o.Jamf, &o.Fleet, &o.Google} {
		if len(*l) > 0 {
			*l = append(*l, args...)
			return nil
		}
	}
	return core.UsageError(fmt.Errorf("unexpected arguments %q: name hosts with --ssh and files with --osquery", args), "")
}

// Run collects, validates and writes. The error is a usage error
// (errors.Is(err, core.ErrUsage)) when the request is at fault, or means
// the collection could not run; every device that fails is in
// Result.Failed.
func Run(ctx context.Context, o Options) (*Result, error) {
	n := 0
	for _, on := range []bool{o.Local, len(o.SSH) > 0, o.SSHInventory, len(o.Osquery) > 0, o.From != "", len(o.Intune) > 0, len(o.Jamf) > 0, len(o.Fleet) > 0, len(o.Google) > 0, o.Pull != ""} {
		if on {
			n++
		}
	}
	if n != 1 {
		return nil, core.UsageError(errors.New("say where to collect from: one of --local, --ssh HOST, --ssh-inventory, --osquery FILE, --from DIR, --intune FILE, --jamf FILE, --fleet FILE or --google FILE"), "")
	}
	if o.Format == "" {
		o.Format = "json"
	}
	if o.Format != "json" && o.Format != "yaml" {
		return nil, core.UsageError(fmt.Errorf("--format %q is not one of json, yaml", o.Format), "")
	}
	if o.Dir == "" {
		o.Dir = "."
	}
	if o.Out == "" {
		// facts/ of the estate the folder is in (found as git finds a
		// repository), so that a run from inventory/laptop writes where
		// the audit reads.
		root, err := core.FindRoot(o.Dir)
		if err != nil {
			return nil, core.UsageError(err, "run it in an estate, or name the folder to write to with --out")
		}
		o.Out = filepath.Join(root, "facts")
	}
	o.unread = map[string]int{}
	if o.Pull != "" {
		return pull(ctx, o)
	}
	devices, failed, err := gather(ctx, o)
	if err != nil {
		return nil, err
	}
	if len(devices) == 0 && len(failed) == 0 {
		// Nothing collected and nothing wrong: a run that checked nothing
		// is no success.
		return nil, core.UsageError(errors.New("no device's facts were found in what was named"), "name the folders or files that hold them")
	}
	if dir, ok := strings.CutPrefix(o.Out, factstore.Prefix); ok {
		return writeStore(o, dir, devices, failed)
	}
	written, refused, err := facts.Write(o.Out, devices, o.Format, core.BuiltinSchema().NewValidator())
	if err != nil {
		return nil, err
	}
	res := &Result{Out: o.Out, Failed: append(failed, refused...), Unread: o.unread}
	for _, w := range written {
		res.Written = append(res.Written, o.written(w.Path, w.Device))
	}
	sort.Slice(res.Failed, func(i, j int) bool { return res.Failed[i].Source < res.Failed[j].Source })
	return res, nil
}

func (o Options) written(path string, d record.Device) Written {
	rel := path
	if r, err := filepath.Rel(o.Dir, path); err == nil && !strings.HasPrefix(r, "..") {
		rel = filepath.ToSlash(r)
	}
	return Written{Path: path, Rel: rel, Source: d.Source, Errors: d.Facts.Errors}
}

// pull streams a live API's devices into facts files as their pages
// arrive: memory holds a few pages and the names written, not the
// estate's facts.
func pull(ctx context.Context, o Options) (*Result, error) {
	switch o.Pull {
	case intake.Intune, intake.Jamf, intake.Fleet, intake.Google:
	default:
		return nil, core.UsageError(fmt.Errorf("%q is not a service estate pulls from", o.Pull), "name intune, jamf, fleet or google")
	}
	sch := core.BuiltinSchema()
	if sch == nil {
		return nil, errors.New("the built-in schema does not compile")
	}
	w, err := facts.NewWriter(o.Out, o.Format, sch.NewValidator())
	if err != nil {
		return nil, err
	}
	po := o.PullOptions
	po.Service, po.Now = o.Pull, o.Now
	res := &Result{Out: o.Out, Unread: o.unread}
	failed, err := intake.Stream(ctx, po, func(d record.Device) error {
		path, fl, err := w.Write(d)
		switch {
		case err != nil:
			return err
		case fl != nil:
			res.Failed = append(res.Failed, *fl)
		default:
			res.Written = append(res.Written, o.written(path, d))
		}
		return nil
	})
	if errors.Is(err, intake.ErrCredentials) {
		return nil, core.UsageError(err, "see 'estate facts pull --help' for the variables and the read-only permission to grant")
	}
	if err != nil {
		return nil, err
	}
	res.Failed = append(res.Failed, failed...)
	if len(res.Written) == 0 && len(res.Failed) == 0 {
		return nil, core.UsageError(fmt.Errorf("%s reported no device", o.Pull), "check the account may read devices (see 'estate facts pull --help')")
	}
	sort.Slice(res.Failed, func(i, j int) bool { return res.Failed[i].Source < res.Failed[j].Source })
	return res, nil
}

// writeStore adds the devices to the Parquet facts store in dir
// (--out parquet:DIR): one row each, in date and shard partitions.
func writeStore(o Options, dir string, devices []record.Device, failed []facts.Failure) (*Result, error) {
	if o.Format != "json" {
		return nil, core.UsageError(fmt.Errorf("--format %s writes documents; a facts store is Parquet", o.Format), "leave --format out with --out parquet:DIR")
	}
	written, refused, err := factstore.Write(dir, devices, factstore.WriteOptions{Validator: core.BuiltinSchema().NewValidator()})
	if err != nil {
		return nil, err
	}
	res := &Result{Out: dir, Failed: append(failed, refused...), Unread: o.unread}
	for _, w := range written {
		rel := w.Path
		if r, err := filepath.Rel(o.Dir, w.Path); err == nil && !strings.HasPrefix(r, "..") {
			rel = filepath.ToSlash(r)
		}
		rel = fmt.Sprintf("%s:%d", rel, w.Row)
		res.Written = append(res.Written, Written{Path: w.Path, Rel: rel, Source: w.Device.Source, Errors: w.Device.Facts.Errors})
	}
	sort.Slice(res.Failed, func(i, j int) bool { return res.Failed[i].Source < res.Failed[j].Source })
	return res, nil
}

// gather reads the one source o names. Everything it returns is a valid
// #Facts document: estate never writes facts it would refuse to read.
func gather(ctx context.Context, o Options) ([]record.Device, []facts.Failure, error) {
	sch := core.BuiltinSchema()
	if sch == nil {
		return nil, nil, errors.New("the built-in schema does not compile")
	}
	switch {
	case o.Local:
		d, err := facts.CollectLocal(ctx, facts.LocalOptions{Now: o.Now})
		if err != nil {
			return nil, nil, err
		}
		kept, failed := facts.KeepValid(sch.NewValidator(), []record.Device{d})
		return kept, failed, nil
	case o.From != "":
		ds, fs, err := facts.ReadDir(ctx, o.From, facts.ReadOptions{Schema: sch, Prefix: filepath.ToSlash(filepath.Clean(o.From)) + "/"})
		if err != nil {
			return nil, nil, core.UsageError(err, "name a folder of facts documents")
		}
		return ds, perFile(fs), nil
	case len(o.Intune) > 0 || len(o.Jamf) > 0 || len(o.Fleet) > 0 || len(o.Google) > 0:
		service, paths := intake.Intune, o.Intune
		switch {
		case len(o.Jamf) > 0:
			service, paths = intake.Jamf, o.Jamf
		case len(o.Fleet) > 0:
			service, paths = intake.Fleet, o.Fleet
		case len(o.Google) > 0:
			service, paths = intake.Google, o.Google
		}
		ds, failed, err := intake.ReadFiles(service, paths, o.Now)
		if err != nil {
			return nil, nil, core.UsageError(err, "name saved API pages (.json) or folders of them")
		}
		kept, invalid := facts.KeepValid(sch.NewValidator(), ds)
		return kept, append(failed, invalid...), nil
	case len(o.Osquery) > 0:
		ds, failed, err := facts.ReadOsquery(o.Osquery, facts.OsqueryOptions{Now: o.Now, Unread: o.unread})
		if err != nil {
			return nil, nil, core.UsageError(err, "name osquery JSON files or folders")
		}
		kept, invalid := facts.KeepValid(sch.NewValidator(), ds)
		return kept, append(failed, invalid...), nil
	}
	var targets []facts.Target
	for _, h := range o.SSH {
		targets = append(targets, facts.Target{Host: h})
	}
	if o.SSHInventory {
		est, err := core.Open(ctx, core.Options{Dir: o.Dir, Cache: core.CacheRead, Now: o.Now})
		if err != nil {
			return nil, nil, err
		}
		targets = facts.InventoryTargets(est.Estate)
		est.Close()
		if len(targets) == 0 {
			return nil, nil, core.UsageError(errors.New("no deployed asset has a hostname"), "give deployed assets a hostname, or name hosts with --ssh")
		}
	}
	ds, failed, err := SSH(ctx, o.SSHOptions, targets)
	if err != nil {
		return nil, nil, err
	}
	kept, invalid := facts.KeepValid(sch.NewValidator(), ds)
	return kept, append(failed, invalid...), nil
}

// SSH collects from targets over SSH with o, the login name defaulting
// to the current user's. A configuration that cannot start (no key,
// unreadable known_hosts) is a usage error.
func SSH(ctx context.Context, o facts.SSHOptions, targets []facts.Target) ([]record.Device, []facts.Failure, error) {
	if o.User == "" {
		if u, err := user.Current(); err == nil {
			o.User = u.Username
		}
	}
	ds, failed, err := facts.CollectSSH(ctx, o, targets)
	if err != nil {
		return nil, nil, core.UsageError(err, "see 'estate facts collect --help' for the SSH flags")
	}
	return ds, failed, nil
}
