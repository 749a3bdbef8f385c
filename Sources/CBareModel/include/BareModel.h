// The bare model of an overlapped round trip: the irreducible work the simulator does for one
// ReadFile that pends, its completion by the device, and GetOverlappedResult, written in plain C
// with no checks beyond the ones the kernel must make. iosim-bench runs it beside the simulator
// in the same process, so that the distance to the limit shows on any machine.
#ifndef BARE_MODEL_H
#define BARE_MODEL_H

#include <stdint.h>

/// Runs `count` round trips of the bare model and returns how many misbehaved (always 0 unless
/// the model is broken): handle lookup and reference of the file object and the event, an IRP
/// from a free list linked onto the thread's list, queued in the driver, completed into the
/// thread's completion ring, stage 2 (status block, 64 bytes of data, event signalled,
/// references released, IRP back on the free list), and GetOverlappedResult reading the status
/// block after checking the event.
long bare_model_round_trips(long count);

/// The size of the bare model's IRP, for comparison with the simulator's bytes per pending IRP.
long bare_model_irp_size(void);

/// Bytes of the host heap in use now (glibc's `mallinfo2`), or -1 where that is unknown: the
/// benchmark's measure of host memory per pending IRP.
long bare_model_heap_in_use(void);

#endif
