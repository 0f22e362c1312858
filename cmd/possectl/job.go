// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"encoding/json"
	"fmt"

	"github.com/posse-project/posse/internal/printable"
	"github.com/posse-project/posse/provisioning/apply"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/spf13/cobra"
)

// jobJSON is possectl job --json.
type jobJSON struct {
	Job        string   `json:"job"`
	Finished   bool     `json:"finished"`
	Outcome    string   `json:"outcome,omitempty"`
	OK         bool     `json:"ok"`
	Error      string   `json:"error,omitempty"`
	RolledBack []string `json:"rolled_back"`
	// Result is the apply engine's full record, as in the apply journal.
	Result json.RawMessage `json:"result,omitempty"`
}

func init() {
	var asJSON bool
	c := &cobra.Command{
		Use:   "job JOB",
		Short: "Show the result of an apply possed ran (after the connection dropped)",
		Long: `Ask possed for the result of the apply JOB: whether it still runs, and when
it finished its outcome, the rollback if a service failed, and the summary.
The id is in 'possectl status' while an apply runs and in the message of an
apply whose connection dropped. possed remembers the last 20 applies until it
exits (the apply journal on the box keeps all). Needs posse-admin; polkit
decides. --json prints {"job", "finished", "outcome", "ok", "error",
"rolled_back", "result"} (result: the apply engine's record). Exits 1 when the
apply failed.`,
		Args: exactArgs(1, "a job id"),
		RunE: func(c *cobra.Command, args []string) error {
			cl, err := possedClient(c)
			if err != nil {
				return err
			}
			defer cl.Close()
			job := args[0]
			res, finished, err := cl.JobResult(c.Context(), job)
			if err != nil {
				return possedError(err, "read the result of an apply", groupAdmin, "see 'possectl status' for the running apply")
			}
			out := c.OutOrStdout()
			if asJSON {
				j := jobJSON{Job: job, Finished: finished, Outcome: res.Outcome, OK: res.OK, Error: res.Error, RolledBack: emptyIfNil(res.RolledBack)}
				j.Result = engineRecord(res)
				if err := printSafeJSON(out, j); err != nil {
					return err
				}
				if finished && !res.OK {
					return fmt.Errorf("apply %s failed: %s", printable.String(job), printable.String(orDash(res.Error)))
				}
				return nil
			}
			if !finished {
				fmt.Fprintf(out, "apply %s is still running on %s; ask again later\n", printable.String(job), box())
				return nil
			}
			fmt.Fprintf(out, "apply %s: %s\n", printable.String(job), printable.String(orDash(res.Outcome)))
			p := &eventPrinter{text: apply.NewTextProgress(out, false), plan: &plan.Plan{}}
			return p.finish(out, res)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	rootCmd.AddCommand(c)
}
