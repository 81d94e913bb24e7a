# Databricks notebook source
# MAGIC %md ## Export All

# COMMAND ----------

print("export")
