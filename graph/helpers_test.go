package graph_test

import (
	"encoding/json"

	"userbridge/graph/gid"
)

func gidOf(id int) string { return gid.Encode(id) }

// dataWithCost reports whether body is exactly the data given and an
// extensions.cost requesting the points given (budget.go): every answer
// carries the cost, whose remaining points and reset time vary.
func dataWithCost(body []byte, data string, requested int) bool {
	var got struct {
		Data       json.RawMessage           `json:"data"`
		Extensions map[string]map[string]any `json:"extensions"`
		Errors     []any                     `json:"errors"`
	}
	if err := json.Unmarshal(body, &got); err != nil || len(got.Errors) > 0 {
		return false
	}
	cost := got.Extensions["cost"]
	return string(got.Data) == data && cost != nil && cost["requested"] == float64(requested)
}
