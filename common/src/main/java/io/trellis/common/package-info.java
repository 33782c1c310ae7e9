/** Shared pieces with no Netty dependency: diagnostics and config errors, version. Used by every module. */
package io.trellis.common;
