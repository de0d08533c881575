// Package apisurface holds no code: its test checks that the module's
// public API exposes no runtime plumbing (issue 15), from the public
// packages' documentation and by compiling misuse from outside the module.
package apisurface
