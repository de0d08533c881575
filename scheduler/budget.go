package scheduler

// budgetConfig is the watchdog budget of one Run call.
type budgetConfig struct{}

func (budgetConfig) validate() error { return nil }

// budget is the armed watchdog budget of the outermost timed Run.
type budget struct {
	armed bool
}

func (b *budget) armLocked(*runFrame, budgetConfig, *Scheduler) {}
func (b *budget) disarmLocked(*runFrame)                        {}
func (b *budget) startSliceLocked()                             {}
func (b *budget) overLocked() bool                              { return false }
func (s *Scheduler) interruptLocked()                           {}
func (s *Scheduler) countTickLocked(e *entry)                   { e.ticks++ }
