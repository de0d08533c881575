// Package bench holds the bodies of the library's benchmarks and of their
// baselines, so that the packages' Benchmark functions and the
// examples/benchmark program measure exactly the same code. Every library
// benchmark here has its baseline beside it; ratios are only ever computed
// between two figures measured in the same run.
package bench
