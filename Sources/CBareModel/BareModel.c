// The bare C model of an overlapped round trip (see include/BareModel.h). The three calls are
// kept out of line so that the compiler cannot fold the round trip into nothing, as a real
// system call boundary would not let it.
#include "BareModel.h"
#include <stdlib.h>
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#define STATUS_PENDING 0x103u
#define KIND_FILE 1
#define KIND_EVENT 2
#define IRP_SLOTS 64

typedef struct object {
    int kind;
    int handle_count;
    int pointer_count;
    int signaled;
} object;

typedef struct overlapped {
    uint64_t internal;
    uint64_t internal_high;
    uint32_t offset, offset_high;
    void *event;
} overlapped;

typedef struct irp {
    int32_t next_free, list_prev, list_next;
    int32_t state;
    object *file, *event;
    overlapped *ov;
    void *buffer;
    const uint8_t *system_buffer;
    int64_t length, information;
    uint32_t status;
} irp;

typedef struct model {
    object *handles[8];
    object file, event;
    irp irps[IRP_SLOTS];
    int32_t free_head;
    int32_t thread_head, thread_tail;
    int32_t driver_queue[IRP_SLOTS];
    int32_t queue_head, queue_count;
    int32_t completion_ring[IRP_SLOTS];
    int32_t ring_head, ring_count;
    uint32_t last_error;
    uint8_t source[64];
} model;

static object *lookup(model *m, uintptr_t handle, int kind) {
    uintptr_t slot = (handle >> 2) - 1;
    if (slot >= 8) return 0;
    object *o = m->handles[slot];
    if (!o || o->kind != kind) return 0;
    return o;
}

static void unlink_irp(model *m, int32_t i) {
    irp *p = &m->irps[i];
    if (p->list_prev >= 0) m->irps[p->list_prev].list_next = p->list_next; else m->thread_head = p->list_next;
    if (p->list_next >= 0) m->irps[p->list_next].list_prev = p->list_prev; else m->thread_tail = p->list_prev;
}

__attribute__((noinline)) static int read_file(model *m, uintptr_t h, void *buffer, int64_t length, overlapped *ov) {
    ov->internal = STATUS_PENDING;
    object *file = lookup(m, h, KIND_FILE);
    if (!file) { m->last_error = 6; return 0; }
    file->pointer_count++;
    object *event = lookup(m, (uintptr_t)ov->event, KIND_EVENT);
    if (!event) { file->pointer_count--; m->last_error = 6; return 0; }
    event->pointer_count++;
    event->signaled = 0;
    file->signaled = 0;
    int32_t i = m->free_head;
    irp *p = &m->irps[i];
    m->free_head = p->next_free;
    p->file = file; p->event = event; p->ov = ov; p->buffer = buffer; p->length = length;
    p->information = 0; p->status = STATUS_PENDING; p->state = 1;
    p->list_next = -1; p->list_prev = m->thread_tail;
    if (m->thread_tail >= 0) m->irps[m->thread_tail].list_next = i; else m->thread_head = i;
    m->thread_tail = i;
    // The driver queues it, pending.
    m->driver_queue[(m->queue_head + m->queue_count) & (IRP_SLOTS - 1)] = i;
    m->queue_count++;
    m->last_error = 997;
    return 0;
}

__attribute__((noinline)) static void complete_next(model *m) {
    if (m->queue_count == 0) return;
    int32_t i = m->driver_queue[m->queue_head];
    m->queue_head = (m->queue_head + 1) & (IRP_SLOTS - 1);
    m->queue_count--;
    irp *p = &m->irps[i];
    p->system_buffer = m->source;
    p->status = 0; p->information = p->length; p->state = 2;
    m->completion_ring[(m->ring_head + m->ring_count) & (IRP_SLOTS - 1)] = i;
    m->ring_count++;
    // Back to user mode: stage 2 in the issuing thread.
    while (m->ring_count > 0) {
        int32_t j = m->completion_ring[m->ring_head];
        m->ring_head = (m->ring_head + 1) & (IRP_SLOTS - 1);
        m->ring_count--;
        irp *q = &m->irps[j];
        unlink_irp(m, j);
        q->ov->internal = q->status;
        q->ov->internal_high = (uint64_t)q->information;
        memcpy(q->buffer, q->system_buffer, (size_t)q->information);
        q->event->signaled = 1;
        q->event->pointer_count--;
        q->file->pointer_count--;
        q->state = 3;
        q->next_free = m->free_head;
        m->free_head = j;
    }
}

__attribute__((noinline)) static int get_overlapped_result(model *m, overlapped *ov, uint32_t *bytes) {
    if ((uint32_t)ov->internal == STATUS_PENDING) {
        object *event = lookup(m, (uintptr_t)ov->event, KIND_EVENT);
        if (!event || !event->signaled) return 0;
    }
    *bytes = (uint32_t)ov->internal_high;
    return (uint32_t)ov->internal == 0;
}

long bare_model_round_trips(long count) {
    model *m = calloc(1, sizeof(model));
    if (!m) return count;
    m->file.kind = KIND_FILE; m->file.handle_count = 1; m->file.pointer_count = 1;
    m->event.kind = KIND_EVENT; m->event.handle_count = 1; m->event.pointer_count = 1;
    m->handles[0] = &m->file;
    m->handles[1] = &m->event;
    for (int32_t i = 0; i < IRP_SLOTS; i++) m->irps[i].next_free = i + 1 < IRP_SLOTS ? i + 1 : -1;
    m->thread_head = m->thread_tail = -1;
    memset(m->source, 'd', sizeof m->source);
    overlapped ov = {0};
    ov.event = (void *)(uintptr_t)8;
    uint8_t buffer[64];
    long failures = 0;
    for (long n = 0; n < count; n++) {
        uint32_t bytes = 0;
        if (read_file(m, 4, buffer, 64, &ov) || m->last_error != 997) failures++;
        complete_next(m);
        if (!get_overlapped_result(m, &ov, &bytes) || bytes != 64) failures++;
    }
    free(m);
    return failures;
}

long bare_model_irp_size(void) { return (long)sizeof(irp); }

long bare_model_heap_in_use(void) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    return (long)mallinfo2().uordblks;
#else
    return -1;
#endif
}
