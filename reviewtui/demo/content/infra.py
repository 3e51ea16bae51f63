"""Terraform for the staging and production environments."""

from __future__ import annotations

MAIN_TF = """terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.60"
    }
  }

  backend "s3" {
    bucket         = "shop-terraform-state"
    key            = "shop/terraform.tfstate"
    region         = "eu-west-2"
    dynamodb_table = "shop-terraform-locks"
  }
}

provider "aws" {
  region = var.region
}

locals {
  environments = {
    staging = {
      db_instance_class = "db.t4g.medium"
      desired_count     = 1
    }
    production = {
      db_instance_class = "db.r6g.large"
      desired_count     = 3
    }
  }
}

resource "aws_ecs_cluster" "shop" {
  for_each = local.environments
  name     = "shop-${each.key}"
}

resource "aws_ecs_task_definition" "checkout" {
  for_each                 = local.environments
  family                   = "checkout-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 512
  memory                   = 1024
  execution_role_arn       = var.execution_role_arn
  container_definitions = jsonencode([{
    name         = "checkout"
    image        = "${var.registry}/checkout:${var.image_tag}"
    essential    = true
    portMappings = [{ containerPort = 8080 }]
  }])
}

resource "aws_ecs_service" "checkout" {
  for_each        = local.environments
  name            = "checkout"
  cluster         = aws_ecs_cluster.shop[each.key].id
  task_definition = aws_ecs_task_definition.checkout[each.key].arn
  desired_count   = each.value.desired_count
  launch_type     = "FARGATE"

  network_configuration {
    subnets         = var.private_subnet_ids[each.key]
    security_groups = [var.service_security_group_ids[each.key]]
  }
}

resource "aws_db_instance" "shop" {
  for_each                    = local.environments
  identifier                  = "shop-${each.key}"
  engine                      = "postgres"
  engine_version              = "16.3"
  instance_class              = each.value.db_instance_class
  allocated_storage           = 100
  username                    = "shop"
  manage_master_user_password = true
  backup_retention_period     = 14
  deletion_protection         = true
  skip_final_snapshot         = false
  final_snapshot_identifier   = "shop-${each.key}-final"

  lifecycle {
    prevent_destroy = true
  }
}
"""

VARIABLES_TF = """variable "region" {
  type    = string
  default = "eu-west-2"
}

variable "registry" {
  type        = string
  description = "ECR registry that CI pushes service images to."
}

variable "image_tag" {
  type        = string
  description = "Git sha of the release being deployed."
}

variable "execution_role_arn" {
  type = string
}

variable "private_subnet_ids" {
  type = map(list(string))
}

variable "service_security_group_ids" {
  type = map(string)
}
"""

OUTPUTS_TF = """output "database_endpoints" {
  value     = { for name, db in aws_db_instance.shop : name => db.endpoint }
  sensitive = true
}

output "cluster_names" {
  value = { for name, cluster in aws_ecs_cluster.shop : name => cluster.name }
}
"""

# "Pin ECS task CPU and memory per environment"
SIZING_LOCALS_OLD = """      db_instance_class = "db.t4g.medium"
      desired_count     = 1
"""
SIZING_LOCALS_NEW = """      db_instance_class = "db.t4g.medium"
      desired_count     = 1
      task_cpu          = 256
      task_memory       = 512
"""
SIZING_PROD_OLD = """      db_instance_class = "db.r6g.large"
      desired_count     = 3
"""
SIZING_PROD_NEW = """      db_instance_class = "db.r6g.large"
      desired_count     = 3
      task_cpu          = 1024
      task_memory       = 2048
"""
SIZING_TASK_OLD = """  cpu                      = 512
  memory                   = 1024
"""
SIZING_TASK_NEW = """  cpu                      = each.value.task_cpu
  memory                   = each.value.task_memory
"""
