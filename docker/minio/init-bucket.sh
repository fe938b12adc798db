#!/bin/sh
# Runs once per start of the stack (docker-compose.yml's minio-init, the Helm chart's object-store Job): the
# artifact bucket, and an account for MLflow that can use it (not MinIO's root account). Idempotent.
set -eu

mc alias set store "$MINIO_URL" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD"
mc mb --ignore-existing "store/$MLFLOW_S3_BUCKET"
mc admin user add store "$MLFLOW_S3_ACCESS_KEY" "$MLFLOW_S3_SECRET_KEY"
mc admin user info store "$MLFLOW_S3_ACCESS_KEY" | grep -q readwrite \
  || mc admin policy attach store readwrite --user "$MLFLOW_S3_ACCESS_KEY"
