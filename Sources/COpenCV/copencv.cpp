// COpenCV implementation: MOG2 background subtraction plus the clean-up and blob extraction vms needs.
// Every entry point catches everything: a C++ exception crossing into Swift would abort the process.
#include "copencv.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/background_segm.hpp>

#include <algorithm>
#include <exception>
#include <new>
#include <vector>

struct copencv_mog2 {
  cv::Ptr<cv::BackgroundSubtractorMOG2> model;
  // Kept between frames so a steady stream allocates nothing per frame.
  cv::Mat foreground;
  cv::Mat opened;
  cv::Mat labels;
  cv::Mat stats;
  cv::Mat centroids;
  cv::Mat kernel;
  std::vector<copencv_rect> blobs;
};

namespace {

template <typename Body>
int32_t guarded(Body body) noexcept {
  try {
    return body();
  } catch (const cv::Exception &) {
    return COPENCV_OPENCV_ERROR;
  } catch (const std::bad_alloc &) {
    return COPENCV_OUT_OF_MEMORY;
  } catch (const std::exception &) {
    return COPENCV_UNKNOWN_ERROR;
  } catch (...) {
    return COPENCV_UNKNOWN_ERROR;
  }
}

}  // namespace

extern "C" int32_t copencv_mog2_create(int32_t history, double var_threshold, copencv_mog2 **out) {
  if (out == nullptr) return COPENCV_INVALID_ARGUMENT;
  *out = nullptr;
  if (history <= 0 || !(var_threshold > 0)) return COPENCV_INVALID_ARGUMENT;
  return guarded([&]() -> int32_t {
    // Every camera already has its own thread: OpenCV's own worker pool per call would only
    // oversubscribe the cores (and costs a pool per process for 320x180 frames that need none).
    static const bool singleThreaded = [] {
      cv::setNumThreads(1);
      return true;
    }();
    (void)singleThreaded;
    copencv_mog2 *handle = new copencv_mog2();
    try {
      handle->model = cv::createBackgroundSubtractorMOG2(history, var_threshold, false);
      handle->kernel = cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(3, 3));
    } catch (...) {
      delete handle;
      throw;
    }
    if (handle->model.empty()) {
      delete handle;
      return COPENCV_OPENCV_ERROR;
    }
    *out = handle;
    return COPENCV_OK;
  });
}

extern "C" void copencv_mog2_destroy(copencv_mog2 *mog2) {
  // Destructors of cv::Mat and cv::Ptr do not throw; the guard is for peace of mind at the boundary.
  guarded([&]() -> int32_t {
    delete mog2;
    return COPENCV_OK;
  });
}

extern "C" int32_t copencv_mog2_apply(
    copencv_mog2 *mog2, const uint8_t *pixels, int32_t width, int32_t height, int32_t stride,
    double learning_rate, int32_t min_blob_pixels, copencv_rect *boxes, int32_t max_boxes,
    int32_t *out_box_count, int64_t *out_foreground_pixels) {
  if (out_box_count != nullptr) *out_box_count = 0;
  if (out_foreground_pixels != nullptr) *out_foreground_pixels = 0;
  if (mog2 == nullptr || pixels == nullptr || out_box_count == nullptr ||
      out_foreground_pixels == nullptr || width <= 0 || height <= 0 || stride < width ||
      max_boxes < 0 || (max_boxes > 0 && boxes == nullptr)) {
    return COPENCV_INVALID_ARGUMENT;
  }
  return guarded([&]() -> int32_t {
    // Wraps the caller's buffer without copying; OpenCV only reads it.
    const cv::Mat frame(height, width, CV_8UC1, const_cast<uint8_t *>(pixels),
                        static_cast<size_t>(stride));
    mog2->model->apply(frame, mog2->foreground, learning_rate);
    cv::morphologyEx(mog2->foreground, mog2->opened, cv::MORPH_OPEN, mog2->kernel);
    const int64_t foreground = cv::countNonZero(mog2->opened);

    int32_t count = 0;
    if (max_boxes > 0 && foreground > 0) {
      const int labelCount = cv::connectedComponentsWithStats(
          mog2->opened, mog2->labels, mog2->stats, mog2->centroids, 8, CV_32S);
      mog2->blobs.clear();
      for (int label = 1; label < labelCount; ++label) {  // label 0 is the background
        const int area = mog2->stats.at<int>(label, cv::CC_STAT_AREA);
        if (area < min_blob_pixels) continue;
        mog2->blobs.push_back(copencv_rect{mog2->stats.at<int>(label, cv::CC_STAT_LEFT),
                                           mog2->stats.at<int>(label, cv::CC_STAT_TOP),
                                           mog2->stats.at<int>(label, cv::CC_STAT_WIDTH),
                                           mog2->stats.at<int>(label, cv::CC_STAT_HEIGHT)});
      }
      // Largest boxes first, so a small max_boxes keeps the ones that matter on the overlay.
      std::sort(mog2->blobs.begin(), mog2->blobs.end(),
                [](const copencv_rect &a, const copencv_rect &b) {
                  return int64_t(a.width) * a.height > int64_t(b.width) * b.height;
                });
      count = static_cast<int32_t>(std::min<size_t>(mog2->blobs.size(), size_t(max_boxes)));
      std::copy_n(mog2->blobs.begin(), count, boxes);
    }
    *out_box_count = count;
    *out_foreground_pixels = foreground;
    return COPENCV_OK;
  });
}

extern "C" const char *copencv_status_message(int32_t status) {
  switch (status) {
    case COPENCV_OK: return "ok";
    case COPENCV_INVALID_ARGUMENT: return "invalid argument";
    case COPENCV_OPENCV_ERROR: return "OpenCV error";
    case COPENCV_OUT_OF_MEMORY: return "out of memory";
    default: return "unknown error";
  }
}
