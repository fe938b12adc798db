#!/bin/sh
# What docker/minio/init-bucket.sh does with MinIO, done with versitygw (test/e2e-compose/compose.versitygw.yml):
# an account for MLflow that may create buckets and use its own, and the artifact bucket, owned by it.
# Idempotent: an existing account gets the secret and role again, an existing bucket of MLflow's is kept.
set -eu
export ADMIN_ACCESS_KEY="$MINIO_ROOT_USER" ADMIN_SECRET_KEY="$MINIO_ROOT_PASSWORD" ADMIN_ENDPOINT_URL="$MINIO_URL"
versitygw admin create-user --access "$MLFLOW_S3_ACCESS_KEY" --secret "$MLFLOW_S3_SECRET_KEY" --role userplus 2>/dev/null \
  || versitygw admin update-user --access "$MLFLOW_S3_ACCESS_KEY" --secret "$MLFLOW_S3_SECRET_KEY" --role userplus
if ! out=$(versitygw admin create-bucket --owner "$MLFLOW_S3_ACCESS_KEY" --bucket "$MLFLOW_S3_BUCKET" 2>&1); then
  echo "$out" | grep -q BucketAlreadyOwnedByYou || { echo "$out" >&2; exit 1; }
fi
