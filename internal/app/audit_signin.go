package app

import (
	"time"

	"userbridge/internal/auditlog"
	"userbridge/internal/edge/ratelimit"
)

// signInGate is the gate of failed sign-ins' audit events: one token per
// account and address per login-limit period (a minute when the login
// limit is off), from the limiters' store, so that with Redis every
// replica shares it (auditlog.SignInGate).
func signInGate(limits *ratelimit.Store, login ratelimit.Limit) *auditlog.SignInGate {
	period := login.Period
	if login.Off() {
		period = time.Minute
	}
	return auditlog.NewSignInGate(limits.Limiter(ratelimit.Limit{Rate: 1, Period: period, Burst: 1}))
}
