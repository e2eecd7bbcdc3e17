package graph_test

import "userbridge/graph/gid"

func gidOf(id int) string { return gid.Encode(id) }
