#!/bin/bash
# Run once by the postgres image when it creates the database (docker-entrypoint-initdb.d):
# allow the replica service to stream, with the same password (issue 22).
echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
