/**
 * The CronJob controller: Jobs at the times a cron schedule names, in the CronJob's time zone, with the starting
 * deadline, the concurrency policies, the missed-starts rule and the history limits (upstream's pkg/controller/cronjob,
 * the v2 controller).
 */
package dev.j8s.controllers.cronjob;
