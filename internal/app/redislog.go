package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/redis/go-redis/v9"
)

// routeRedisLog sends go-redis's own messages (a pool that cannot dial
// during an outage, a connection it had to drop) through the service's
// logger, at WARN: by default go-redis prints them as plain text on
// standard error, lines a JSON log collector cannot read. go-redis keeps
// one logger per process; the last service built sets it.
func routeRedisLog(log *slog.Logger) {
	redis.SetLogger(redisLogger{log})
}

type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	msg := strings.TrimPrefix(strings.TrimSpace(fmt.Sprintf(format, v...)), "redis: ")
	l.log.WarnContext(ctx, "redis client: "+msg)
}
