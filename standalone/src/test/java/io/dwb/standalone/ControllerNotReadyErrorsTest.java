package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import io.dwb.schemas.testing.LogLines;
import org.apache.kafka.common.errors.NotControllerException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded controller's ERROR for a request that came before it was active (about one start in five, a healthy
 * one, with a stack trace) is left out; its other errors are said.
 */
class ControllerNotReadyErrorsTest {
    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    private final ControllerNotReadyErrors filter = new ControllerNotReadyErrors();
    private final Logger controller = LoggerFactory.getLogger(ControllerNotReadyErrors.LOGGER);
    @RegisterExtension
    final LogLines logged = LogLines.of(ControllerNotReadyErrors.LOGGER);

    @BeforeEach
    void install() {
        filter.setContext(context);
        filter.start();
        context.addTurboFilter(filter);
    }

    @AfterEach
    void remove() {
        context.getTurboFilterList().remove(filter);
    }

    @Test
    void aRequestBeforeTheControllerIsActiveIsNotAnError() {
        controller.error("Unexpected error handling request RequestHeader(apiKey=CREATE_TOPICS)",
                new NotControllerException("The active controller appears to be node 1."));
        controller.error("Unexpected error handling request RequestHeader(apiKey=CREATE_TOPICS)",
                new IllegalStateException("a real fault"));

        assertThat(logged.lines()).singleElement().asString().contains("Unexpected error handling request");
        assertThat(logged.events()).singleElement().satisfies(e -> assertThat(e.getThrowableProxy().getClassName())
                .isEqualTo(IllegalStateException.class.getName()));
    }
}
