package files

// SweepAndLog is one pass of Run, for tests of what it logs.
var SweepAndLog = (*Service).sweepAndLog
