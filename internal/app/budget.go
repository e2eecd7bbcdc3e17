package app

import (
	"github.com/prometheus/client_golang/prometheus"

	"userbridge/internal/edge/budget"
	"userbridge/internal/edge/ratelimit"
)

// newBudget builds GraphQL's cost budget over the rate limits' store, so
// its buckets live in Redis when the others do. Nil when both the points
// and the concurrency bound are off. A bucket smaller than the complexity
// limit is raised to it: an operation the limits allow must be payable.
func (a *App) newBudget(limits *ratelimit.Store, cfg Config) *budget.Budget {
	s := cfg.Budget
	if s.Limit.Off() && s.Concurrency <= 0 {
		return nil
	}
	if s.Limit.Period <= 0 {
		s.Limit.Period = budget.Defaults.Limit.Period
	}
	s.Limit.Burst = max(s.Limit.Burst, cfg.GraphQL.Complexity, s.RefusedCost)
	if s.MaxWait <= 0 {
		s.MaxWait = budget.Defaults.MaxWait
	}
	b := budget.New(limits.CostLimiter(s.Limit), s)
	refusals := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "userbridge_graphql_budget_refusals_total",
		Help: "GraphQL requests refused by their client's cost budget: reason budget (points spent) or concurrency (no slot freed in time).",
	}, []string{"reason"})
	for _, r := range []string{"budget", "concurrency"} {
		refusals.WithLabelValues(r)
	}
	a.Metrics.MustRegister(refusals)
	b.OnRefused = func(reason string) { refusals.WithLabelValues(reason).Inc() }
	return b
}
