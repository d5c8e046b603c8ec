package dev.j8s.api.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CronScheduleTest {

    @ParameterizedTest(name = "{0} after {1} is {2}")
    @CsvSource(delimiter = '|', textBlock = """
            */1 * * * *      | 2026-01-01T10:00:30Z | 2026-01-01T10:01:00Z
            */15 * * * *     | 2026-01-01T10:00:00Z | 2026-01-01T10:15:00Z
            0 * * * *        | 2026-01-01T10:00:00Z | 2026-01-01T11:00:00Z
            @hourly          | 2026-01-01T10:59:59Z | 2026-01-01T11:00:00Z
            @daily           | 2026-01-01T10:00:00Z | 2026-01-02T00:00:00Z
            @weekly          | 2026-01-01T10:00:00Z | 2026-01-04T00:00:00Z
            @monthly         | 2026-01-15T10:00:00Z | 2026-02-01T00:00:00Z
            @yearly          | 2026-01-15T10:00:00Z | 2027-01-01T00:00:00Z
            30 9 * jan-mar mon-fri | 2026-03-31T09:30:00Z | 2027-01-01T09:30:00Z
            0 0 13 * 5       | 2026-01-01T00:00:00Z | 2026-01-02T00:00:00Z
            0 0 13 * *       | 2026-01-01T00:00:00Z | 2026-01-13T00:00:00Z
            0 0 */2 * sun    | 2026-01-01T00:00:00Z | 2026-01-03T00:00:00Z
            5/20 * * * *     | 2026-01-01T00:06:00Z | 2026-01-01T00:25:00Z
            @every 90s       | 2026-01-01T00:00:00Z | 2026-01-01T00:01:30Z
            TZ=Asia/Tokyo 0 9 * * * | 2026-01-01T00:00:00Z | 2026-01-02T00:00:00Z
            """)
    void nextActivationFollowsRobfigCron(String spec, String after, String next) {
        assertThat(CronSchedule.parse(spec.strip()).next(Instant.parse(after.strip()), ZoneOffset.UTC))
                .contains(Instant.parse(next.strip()));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            foo              | expected exactly 5 fields, found 1: [foo]
            * * * *          | expected exactly 5 fields, found 4: [* * * *]
            60 * * * *       | end of range (60) above maximum (59): 60
            x * * * *        | failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax
            * * 0 * *        | beginning of range (0) below minimum (1): 0
            5-2 * * * *      | beginning of range (5) beyond end of range (2): 5-2
            */0 * * * *      | step of range should be a positive number: */0
            1/2/3 * * * *    | too many slashes: 1/2/3
            1-2-3 * * * *    | too many hyphens: 1-2-3
            @fortnightly     | unrecognized descriptor: @fortnightly
            TZ=Mars/Olympus * * * * * | provided bad location Mars/Olympus: unknown time zone Mars/Olympus
            """)
    void badSchedulesAreRefusedWithRobfigsMessages(String spec, String message) {
        assertThatThrownBy(() -> CronSchedule.parse(spec.strip()))
                .isInstanceOf(CronSchedule.ParseException.class).hasMessage(message.strip());
    }

    @org.junit.jupiter.api.Test
    void timeZoneOfTheCronJobShiftsTheActivation() {
        assertThat(CronSchedule.parse("0 9 * * *").next(Instant.parse("2026-07-01T00:00:00Z"),
                ZoneId.of("Europe/Berlin"))).contains(Instant.parse("2026-07-01T07:00:00Z"));
        assertThat(CronSchedule.zoneOf("Europe/Berlin")).isPresent();
        assertThat(CronSchedule.zoneOf("+01:00")).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void impossibleDateHasNoNextActivation() {
        assertThat(CronSchedule.parse("0 0 30 2 *").next(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC))
                .isEmpty();
    }
}
