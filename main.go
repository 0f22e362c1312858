// Command posse is the Posse desktop app: the office manager's and the
// integrator's window onto a Posse box.
package main

import (
	"os"

	posseapp "github.com/posse-project/posse/app"
)

func main() {
	var file string
	if len(os.Args) > 1 {
		file = os.Args[1]
	}
	posseapp.Run(file)
}
