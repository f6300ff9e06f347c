/**
 * The audit log: who changed what, and which requests were refused, as structured events on the
 * SLF4J logger {@code bigfile.audit}. {@link io.bigfile.security.audit.AuditFilter} writes the
 * event of every API request that reaches a controller, in one place; filters that refuse a request
 * themselves call {@link io.bigfile.security.audit.AuditLog#refused}.
 */
package io.bigfile.security.audit;
