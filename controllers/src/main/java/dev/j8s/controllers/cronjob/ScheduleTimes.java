package dev.j8s.controllers.cronjob;

import dev.j8s.api.batch.CronSchedule;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;

/**
 * Which scheduled time of a CronJob is due (upstream's {@code mostRecentScheduleTime}): of the times after
 * {@code earliest} that are not after {@code now}, the latest; with how many were missed. Stateless.
 */
final class ScheduleTimes {

    /** More missed start times than this give the TooManyMissedTimes warning (the Job still runs). */
    static final int MISSED_WARNING_THRESHOLD = 100;
    /** Up to this many missed times the schedule is walked one by one. */
    private static final long WALK_LIMIT = 100_000;

    /**
     * @param mostRecent the latest scheduled time not after now, if any
     * @param missed     how many scheduled times fell between earliest and now
     * @param tooShort   the schedule's interval is under a second (an InvalidSchedule)
     */
    record Due(Optional<Instant> mostRecent, long missed, boolean tooShort) {
        boolean tooManyMissed() {
            return missed > MISSED_WARNING_THRESHOLD;
        }
    }

    private ScheduleTimes() {}

    static Due mostRecent(CronSchedule schedule, ZoneId zone, Instant earliest, Instant now) {
        Optional<Instant> first = schedule.next(earliest, zone);
        if (first.isEmpty() || now.isBefore(first.get())) {
            return new Due(Optional.empty(), 0, false);
        }
        Instant t1 = first.get();
        Optional<Instant> second = schedule.next(t1, zone);
        if (second.isEmpty() || now.isBefore(second.get())) {
            return new Due(Optional.of(t1), 1, false);
        }
        Duration interval = Duration.between(t1, second.get());
        if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
            return new Due(Optional.empty(), 0, true);
        }
        long estimate = Duration.between(t1, now).dividedBy(interval) + 1;
        // walk the schedule itself; after very long outages jump close to now on the first interval first (an
        // irregular schedule may then land between its times, as upstream's estimate does)
        Instant t = estimate > WALK_LIMIT ? t1.plus(interval.multipliedBy(estimate - 2)) : t1;
        Instant mostRecent = t;
        for (Optional<Instant> n = schedule.next(t, zone); n.isPresent() && !n.get().isAfter(now);
                n = schedule.next(n.get(), zone)) {
            mostRecent = n.get();
        }
        return new Due(Optional.of(mostRecent), estimate, false);
    }
}
