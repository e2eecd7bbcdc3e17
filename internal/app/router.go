package app

import "github.com/go-chi/chi/v5"

// Router is the route table behind Handler, for callers that must name the
// route a request takes without serving it (the shadow proxy labels every
// request, forwarded or compared, by its route template: chi's Find).
// Serving goes through Handler, which adds tracing when it is on.
func (a *App) Router() chi.Routes { return a.router }
