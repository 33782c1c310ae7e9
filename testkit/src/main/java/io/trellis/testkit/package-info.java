/**
 * Test helpers shared by every module's tests (test scope only): leak detection that fails tests, real servers on
 * port 0, and process helpers. No main-scope module depends on this.
 */
package io.trellis.testkit;
