// Shim over FFmpeg for Swift: the headers we use, and inline wrappers for the
// function-like macros that do not import into Swift.
#ifndef VMS_CFFMPEG_SHIM_H
#define VMS_CFFMPEG_SHIM_H
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/dict.h>
#include <libswscale/swscale.h>
#include <errno.h>

static inline int vms_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int vms_averror_eof(void) { return AVERROR_EOF; }
static inline int vms_averror_exit(void) { return AVERROR_EXIT; }
static inline int vms_averror_http_unauthorized(void) { return AVERROR_HTTP_UNAUTHORIZED; }
static inline int vms_averror_http_forbidden(void) { return AVERROR_HTTP_FORBIDDEN; }
static inline int vms_averror_http_not_found(void) { return AVERROR_HTTP_NOT_FOUND; }
static inline int vms_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int64_t vms_nopts(void) { return AV_NOPTS_VALUE; }
static inline AVRational vms_time_base_q(void) { return AV_TIME_BASE_Q; }

#endif
