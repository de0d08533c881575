package torture

import (
	"errors"
	"fmt"

	"github.com/stackless-go/stackless/tasklet"
)

func errorsIsNotCurrent(err error) string {
	if errors.Is(err, tasklet.ErrNotCurrent) {
		return "ErrNotCurrent"
	}
	return fmt.Sprint(err)
}
