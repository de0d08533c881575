//go:build !race && !stackless_debug

package torture

// debugMode tells the adversarial tests that the library's debug mode (on
// under -race and with the stackless_debug tag) is off.
const debugMode = false
