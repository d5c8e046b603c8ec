package dev.j8s.apiserver.printers;

import static dev.j8s.apiserver.printers.Nodes.number;
import static dev.j8s.apiserver.printers.Nodes.text;
import static dev.j8s.apiserver.printers.Nodes.time;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The columns and rows of batch/v1 Jobs and CronJobs, as upstream's printers.go registers them in 1.32 (the Job's
 * Status and the CronJob's Timezone columns included). Stateless and thread-safe.
 */
final class BatchPrinters {

    private BatchPrinters() {}

    private static final String JOB_SELECTOR = "A label query over pods that should match the pod count. Normally, "
            + "the system sets this field for you. More info: "
            + "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors";
    private static final Column CONTAINERS = Column.string("Containers", "Names of each container in the template.").wide();
    private static final Column IMAGES = Column.string("Images", "Images referenced by each container in the template.").wide();

    static final List<Column> JOBS = List.of(
            Column.nameColumn(),
            Column.string("Status", "Status of the job."),
            Column.string("Completions", "The number of pods which reached phase Succeeded. The value increases "
                    + "monotonically for a given spec. However, it may decrease in reaction to scale down of elastic "
                    + "indexed jobs."),
            Column.string("Duration", "Time required to complete the job."),
            Column.age(),
            CONTAINERS,
            IMAGES,
            Column.string("Selector", JOB_SELECTOR).wide());

    static final List<Column> CRON_JOBS = List.of(
            Column.nameColumn(),
            Column.string("Schedule", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
            Column.string("Timezone", "The time zone name for the given schedule, see "
                    + "https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will "
                    + "default to the time zone of the kube-controller-manager process."),
            Column.string("Suspend", "This flag tells the controller to suspend subsequent executions, it does not "
                    + "apply to already started executions. Defaults to false.").withType("boolean"),
            Column.string("Active", "A list of pointers to currently running jobs.").withType("integer"),
            Column.string("Last Schedule", "Information when was the last time the job was successfully scheduled."),
            Column.age(),
            CONTAINERS,
            IMAGES,
            Column.string("Selector", JOB_SELECTOR).wide());

    static Row job(JsonNode job, Instant now) {
        JsonNode spec = job.path("spec");
        JsonNode status = job.path("status");
        String completions;
        if (spec.hasNonNull("completions")) {
            completions = number(status, "succeeded") + "/" + number(spec, "completions");
        } else if (number(spec, "parallelism") > 1) {
            completions = number(status, "succeeded") + "/1 of " + number(spec, "parallelism");
        } else {
            completions = number(status, "succeeded") + "/1";
        }
        Optional<Instant> start = time(status, "startTime");
        Optional<Instant> end = time(status, "completionTime");
        String duration = start.isEmpty() ? ""
                : HumanDuration.format(Duration.between(start.get(), end.orElse(now)));
        List<String> template = WorkloadPrinters.template(spec);
        return Row.of(Printers.name(job), jobStatus(job), completions, duration, Printers.age(job, now),
                template.get(0), template.get(1), WorkloadPrinters.selector(spec));
    }

    /** Complete, Failed, Terminating, Suspended, FailureTarget, SuccessCriteriaMet, else Running. */
    private static String jobStatus(JsonNode job) {
        JsonNode conditions = job.path("status").path("conditions");
        if (hasCondition(conditions, "Complete")) {
            return "Complete";
        }
        if (hasCondition(conditions, "Failed")) {
            return "Failed";
        }
        if (job.path("metadata").hasNonNull("deletionTimestamp")) {
            return "Terminating";
        }
        for (String type : List.of("Suspended", "FailureTarget", "SuccessCriteriaMet")) {
            if (hasCondition(conditions, type)) {
                return type;
            }
        }
        return "Running";
    }

    private static boolean hasCondition(JsonNode conditions, String type) {
        for (JsonNode c : conditions) {
            if (text(c, "type").equals(type) && text(c, "status").equals("True")) {
                return true;
            }
        }
        return false;
    }

    static Row cronJob(JsonNode cronJob, Instant now) {
        JsonNode spec = cronJob.path("spec");
        JsonNode status = cronJob.path("status");
        String lastSchedule = time(status, "lastScheduleTime").map(t -> HumanDuration.since(Optional.of(t), now))
                .orElse("<none>");
        String zone = spec.hasNonNull("timeZone") ? text(spec, "timeZone") : "<none>";
        String suspend = !spec.hasNonNull("suspend") ? "<unset>" : spec.path("suspend").asBoolean() ? "True" : "False";
        JsonNode jobSpec = spec.path("jobTemplate").path("spec");
        List<String> template = WorkloadPrinters.template(jobSpec);
        return Row.of(Printers.name(cronJob), text(spec, "schedule"), zone, suspend,
                (long) status.path("active").size(), lastSchedule, Printers.age(cronJob, now),
                template.get(0), template.get(1), WorkloadPrinters.selector(jobSpec));
    }
}
