// Package factstore keeps facts documents outside git: Parquet files in
// Hive partitions date=YYYY-MM-DD/shard=NN/part-N.parquet under a folder
// (or mounted object storage), one row per collector's document, that
// DuckDB, Athena or Spark read as they are. It is the only user of
// github.com/parquet-go/parquet-go. Writing checks each document as the
// facts folder's writer does; reading checks each row as #Facts checks a
// document (a bad row is a finding at file:row, never skipped) and hashes
// every file read, so an audit report can say what it audited.
package factstore
