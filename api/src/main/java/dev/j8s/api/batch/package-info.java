/**
 * What both the API server (validation) and the controllers (scheduling) need of batch/v1: the cron schedule
 * grammar CronJobs use, as upstream takes it from github.com/robfig/cron/v3 ({@code ParseStandard}).
 */
package dev.j8s.api.batch;
