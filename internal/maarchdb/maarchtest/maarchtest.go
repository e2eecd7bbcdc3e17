// Package maarchtest gives tests a scratch PostgreSQL schema holding the
// part of a Maarch Courrier database that package maarchdb reads.
package maarchtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"userbridge/internal/store/db/dbtest"
)

// Structure is the part of Maarch Courrier's database that the reader
// uses, written by hand from the columns and types Maarch's published
// structure documents (users keyed by login with a serial id; groups and
// signatures referring to users by that integer id; services referring to
// groups by their group_id string; signature files on the TEMPLATES
// docserver).
const Structure = `
CREATE TYPE users_modes AS ENUM ('standard', 'rest', 'root_visible', 'root_invisible');

CREATE TABLE users (
	id serial NOT NULL,
	user_id varchar(128) NOT NULL,
	password varchar(255) DEFAULT NULL,
	firstname varchar(255) DEFAULT NULL,
	lastname varchar(255) DEFAULT NULL,
	phone varchar(32) DEFAULT NULL,
	mail varchar(255) DEFAULT NULL,
	initials varchar(32) DEFAULT NULL,
	preferences jsonb NOT NULL DEFAULT '{}',
	status varchar(10) NOT NULL DEFAULT 'OK',
	password_modification_date timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
	mode users_modes NOT NULL DEFAULT 'standard',
	refresh_token jsonb NOT NULL DEFAULT '[]',
	reset_token text,
	failed_authentication integer DEFAULT 0,
	locked_until timestamp without time zone,
	authorized_api jsonb NOT NULL DEFAULT '[]',
	external_id jsonb DEFAULT '{}',
	feature_tour jsonb NOT NULL DEFAULT '[]',
	absence jsonb,
	PRIMARY KEY (user_id),
	UNIQUE (id)
);

CREATE TABLE usergroups (
	id serial NOT NULL,
	group_id varchar(32) NOT NULL,
	group_desc varchar(255),
	can_index boolean NOT NULL DEFAULT false,
	indexation_parameters jsonb NOT NULL DEFAULT '{}',
	PRIMARY KEY (group_id),
	UNIQUE (id)
);

CREATE TABLE usergroup_content (
	user_id integer NOT NULL,
	group_id integer NOT NULL,
	role varchar(255),
	PRIMARY KEY (user_id, group_id)
);

CREATE TABLE usergroups_services (
	group_id varchar NOT NULL,
	service_id varchar NOT NULL,
	parameters jsonb,
	PRIMARY KEY (group_id, service_id)
);

CREATE TABLE user_signatures (
	id serial,
	user_serial_id integer NOT NULL,
	signature_label varchar(255) DEFAULT NULL,
	signature_path varchar(255) DEFAULT NULL,
	signature_file_name varchar(255) DEFAULT NULL,
	fingerprint varchar(255) DEFAULT NULL,
	PRIMARY KEY (id)
);

CREATE TABLE docservers (
	id serial,
	docserver_id varchar(32) NOT NULL DEFAULT '1',
	docserver_type_id varchar(32) NOT NULL,
	device_label varchar(255) DEFAULT NULL,
	is_readonly char(1) NOT NULL DEFAULT 'N',
	size_limit_number bigint NOT NULL DEFAULT 0,
	actual_size_number bigint NOT NULL DEFAULT 0,
	path_template varchar(255) NOT NULL,
	creation_date timestamp without time zone NOT NULL,
	coll_id varchar(32) NOT NULL DEFAULT 'coll_1',
	PRIMARY KEY (docserver_id),
	UNIQUE (id)
);
`

// DB is a scratch schema holding Structure, and a connection to fill it.
type DB struct {
	URL  string
	conn *pgx.Conn
}

// New creates the structure in a fresh schema; the test is skipped with a
// message saying how to run it when TEST_POSTGRES_URL is unset.
func New(t *testing.T) *DB {
	t.Helper()
	url := dbtest.URL(t, dbtest.Postgres)
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatalf("connecting: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	m := &DB{URL: url, conn: conn}
	m.Exec(t, Structure)
	return m
}

// Conn is the connection filling the schema.
func (m *DB) Conn() *pgx.Conn { return m.conn }

// Exec runs one statement, failing the test on error.
func (m *DB) Exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	if _, err := m.conn.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
