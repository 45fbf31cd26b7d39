package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/facts"
	"github.com/estate-dev/estate/internal/facts/collect"
)

func newFactsCmd(app *App) *cobra.Command {
	return group("facts", "Collect device facts: local, over SSH, from osquery, MDMs or files", newFactsCollectCmd(app), newFactsPullCmd(app))
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
	countFlag(cmd, &s.concurrency, "concurrency", 16, "hosts collected at once")
	f.IntVar(&s.port, "port", 22, "SSH port of hosts that name none (host:port)")
}

// options turns the SSH flags into the collector's options.
func (s *sshFlags) options(app *App) (facts.SSHOptions, error) {
	if s.timeout <= 0 {
		return facts.SSHOptions{}, usageErr("--timeout must be positive")
	}
	o := facts.SSHOptions{User: s.user, Port: s.port, KeyFiles: s.identities, KnownHosts: s.knownHosts,
		AcceptNew: s.acceptNew, AcceptChanged: s.acceptChg, Timeout: s.timeout, Concurrency: s.concurrency, Now: app.Now,
		Progress: app.progress("collecting")}
	if sock := app.Getenv("SSH_AUTH_SOCK"); sock != "" && !s.noAgent {
		o.AgentSocket = sock
	}
	return o, nil
}

func newFactsCollectCmd(app *App) *cobra.Command { return factsCollectCmd(app, runFactsCollect) }

// factsCollectCmd builds 'estate facts collect'; runF runs it (a test
// replaces it to check the options a command line produces).
func factsCollectCmd(app *App, runF func(context.Context, *App, *collect.Options) error) *cobra.Command {
	o := &collect.Options{}
	var ssh sshFlags
	cmd := &cobra.Command{
		Use:   "collect (--local | --ssh HOST... | --ssh-inventory | --osquery FILE... | --from DIR | --intune FILE|DIR | --jamf FILE|DIR | --fleet FILE|DIR | --google FILE|DIR)",
		Short: "Collect device facts into one JSON document per device",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.AddArgs(args); err != nil {
				return coreErr(err)
			}
			o.Dir, o.Now = app.Dir(), app.Now()
			if len(o.SSH) > 0 || o.SSHInventory {
				var err error
				if o.SSHOptions, err = ssh.options(app); err != nil {
					return err
				}
			}
			return runF(cmd.Context(), app, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.Local, "local", false, "collect this machine's facts")
	f.StringSliceVar(&o.SSH, "ssh", nil, "collect from HOST[:PORT] over SSH (repeatable, or comma-separated)")
	f.BoolVar(&o.SSHInventory, "ssh-inventory", false, "collect over SSH from every deployed asset with a hostname")
	f.StringArrayVar(&o.Osquery, "osquery", nil, "osquery JSON file or folder (repeatable)")
	f.StringVar(&o.From, "from", "", "folder of facts documents to validate and normalize")
	f.StringArrayVar(&o.Intune, "intune", nil, "saved Intune (Graph) managedDevices pages: a file or a folder of them (repeatable)")
	f.StringArrayVar(&o.Jamf, "jamf", nil, "saved Jamf Pro computers-inventory pages: a file or a folder of them (repeatable)")
	f.StringArrayVar(&o.Fleet, "fleet", nil, "saved Fleet hosts pages (GET /api/v1/fleet/hosts or one host): a file or a folder of them (repeatable)")
	f.StringArrayVar(&o.Google, "google", nil, "saved Google Admin SDK chromeosdevices pages: a file or a folder of them (repeatable)")
	f.StringVar(&o.Out, "out", "", "folder to write the facts into (default: facts/ in the repository); parquet:DIR adds them to a Parquet facts store")
	choiceFlag(cmd, &o.Format, "format", "file format of the facts written: json or yaml", "json", "yaml")
	ssh.register(cmd)
	return cmd
}

// newFactsPullCmd builds 'estate facts pull intune|jamf|fleet|google':
// the live, read-only API, secrets from the environment only.
func newFactsPullCmd(app *App) *cobra.Command {
	o := &collect.Options{}
	cmd := &cobra.Command{
		Use:   "pull intune|jamf|fleet|google",
		Short: "Pull device facts from Intune, Jamf Pro, Fleet or Google Admin, read-only (credentials from the environment)",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("name one service: intune, jamf, fleet or google")
			}
			if p := app.progress("pulling " + args[0] + " devices"); p != nil {
				o.PullOptions.Progress = func(_, devices, total int) { p(devices, total) }
			}
			o.Pull, o.Dir, o.Now, o.PullOptions.Getenv = args[0], app.Dir(), app.Now(), app.Getenv
			return runFactsCollect(cmd.Context(), app, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.PullOptions.APIURL, "api-url", "", "API base URL (default: Graph v1.0 for intune, $JAMF_URL for jamf, $FLEET_URL for fleet, admin.googleapis.com for google)")
	f.StringVar(&o.PullOptions.TokenURL, "token-url", "", "OAuth token endpoint (intune: the authority, before /{tenant}; jamf, google: the full URL)")
	f.IntVar(&o.PullOptions.PageSize, "page-size", 100, "devices per page (jamf page-size, fleet per_page, google maxResults up to 300)")
	countFlag(cmd, &o.PullOptions.Workers, "workers", 4, "jamf, fleet: pages asked for at once")
	f.StringVar(&o.PullOptions.Customer, "customer", "my_customer", "google: the Workspace customer id")
	f.StringVar(&o.PullOptions.Subject, "subject", "", "google: the admin the service account acts for (domain-wide delegation; default $GOOGLE_ADMIN_EMAIL)")
	f.BoolVar(&o.PullOptions.Apps, "apps", false, "intune: packages from detectedApps too (one request per app)")
	f.StringVar(&o.Out, "out", "", "folder to write the facts into (default: facts/ in the repository); parquet:DIR adds them to a Parquet facts store")
	choiceFlag(cmd, &o.Format, "format", "file format of the facts written: json or yaml", "json", "yaml")
	return cmd
}

func runFactsCollect(ctx context.Context, app *App, o *collect.Options) error {
	res, err := collect.Run(ctx, *o)
	if o.PullOptions.Progress != nil {
		fmt.Fprint(app.Stderr, "\r\x1b[K") // the progress line ends
	}
	if err != nil {
		return coreErr(err)
	}
	for _, w := range res.Written {
		for _, e := range w.Errors {
			app.Log.Info("not collected", "device", w.Source, "what", e)
		}
	}
	if u := len(res.Unread); u > 0 {
		fmt.Fprintf(app.Stderr, "estate: note: results of %d quer%s estate does not read were passed over (a results log carries a pack's every query)\n", u, map[bool]string{true: "ies", false: "y"}[u > 1])
	}
	res.WriteText(app.Stdout)
	if len(res.Failed) > 0 {
		return findingsErr()
	}
	return nil
}
