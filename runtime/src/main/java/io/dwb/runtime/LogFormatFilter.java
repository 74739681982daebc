package io.dwb.runtime;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * Lets through an appender's events only when {@value LogFormat#VARIABLE} selects that appender's format: logback.xml
 * has one appender per {@link LogFormat}, each with this filter, so exactly one of them writes.
 */
public final class LogFormatFilter extends Filter<ILoggingEvent> {
    private LogFormat format = LogFormat.TEXT;
    private boolean selected;

    /** The appender's format, from logback.xml: {@code text} or {@code json}. */
    public void setFormat(String format) {
        this.format = LogFormat.of(format);
    }

    @Override
    public void start() {
        selected = LogFormat.orText(System.getenv(LogFormat.VARIABLE)) == format;
        super.start();
    }

    @Override
    public FilterReply decide(ILoggingEvent event) {
        return selected ? FilterReply.NEUTRAL : FilterReply.DENY;
    }
}
