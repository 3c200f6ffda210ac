// COpenCV: the few OpenCV operations vms needs, behind a pure C API so Swift needs no C++ interop.
// Nothing C++ crosses this boundary: every exception is caught in copencv.cpp and becomes a status code.
#ifndef COPENCV_H
#define COPENCV_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Status codes returned by every function that can fail.
typedef enum copencv_status {
  COPENCV_OK = 0,
  /// A null pointer, a non-positive size, a stride shorter than the width, and so on.
  COPENCV_INVALID_ARGUMENT = 1,
  /// OpenCV threw a cv::Exception.
  COPENCV_OPENCV_ERROR = 2,
  /// Allocation failed (std::bad_alloc).
  COPENCV_OUT_OF_MEMORY = 3,
  /// Any other std::exception, or anything else thrown.
  COPENCV_UNKNOWN_ERROR = 4,
} copencv_status;

/// A bounding box in the analysed frame's pixel coordinates.
typedef struct copencv_rect {
  int32_t x;
  int32_t y;
  int32_t width;
  int32_t height;
} copencv_rect;

/// A MOG2 background subtractor with its scratch buffers. Used from one thread at a time.
typedef struct copencv_mog2 copencv_mog2;

/// Creates a MOG2 background subtractor (shadow detection off: on gray input it classes dark objects
/// as shadow). `history` > 0 frames, `var_threshold` > 0. On success stores the handle in `*out`.
int32_t copencv_mog2_create(int32_t history, double var_threshold, copencv_mog2 *_Nullable *_Nonnull out);

/// Frees the subtractor and everything it holds. Accepts NULL.
void copencv_mog2_destroy(copencv_mog2 *_Nullable mog2);

/// Feeds one 8-bit gray frame (`stride` bytes per row) to the model with `learning_rate`
/// (0 to 1, or negative for OpenCV's automatic rate).
/// Outputs the number of foreground pixels after a 3x3 opening (which removes encoder noise) in
/// `*out_foreground_pixels`, and the bounding boxes of up to `max_boxes` moving blobs of at least
/// `min_blob_pixels` pixels, largest first, in `boxes` with their number in `*out_box_count`.
/// `boxes` may be NULL when `max_boxes` is 0. On failure the outputs are zero.
int32_t copencv_mog2_apply(
    copencv_mog2 *_Nonnull mog2, const uint8_t *_Nonnull pixels, int32_t width, int32_t height,
    int32_t stride, double learning_rate, int32_t min_blob_pixels, copencv_rect *_Nullable boxes,
    int32_t max_boxes, int32_t *_Nonnull out_box_count, int64_t *_Nonnull out_foreground_pixels);

/// A short English description of a status code (static storage, never NULL).
const char *_Nonnull copencv_status_message(int32_t status);

#ifdef __cplusplus
}
#endif

#endif
