#!/bin/sh
# Pre-encode the benchmark's camera streams once (cached in bench/media/): a 1920x1080 25 fps
# ~4 Mb/s main stream (GOP 50, 2 s) and a 640x360 25 fps substream (GOP 25, 1 s) of the same scene,
# H.264, no B-frames, in MPEG-TS (continuous timestamps when looped) that the RTSP source packetises without decoding.
#
# The scene: static SMPTE bars with mild temporal noise (so the encoder spends a realistic bit rate,
# like a real sensor), and a white box crossing the frame left to right during a motion window of
# WINDOW seconds starting OFFSET seconds into every PERIOD seconds. The loop is LOOP seconds long
# (a multiple of PERIOD), so the schedule repeats exactly across loops.
#
# usage: bench/make-media.sh [OUTDIR]     (idempotent: does nothing when the files exist)
set -eu
OUT=${1:-"$(dirname "$0")/media"}
LOOP=${BENCH_LOOP:-40}       # seconds per loop of the file
PERIOD=20                    # a motion window every PERIOD s ...
OFFSET=10                    # ... starting OFFSET s into the period ...
WINDOW=4                     # ... lasting WINDOW s
mkdir -p "$OUT"
MAIN="$OUT/main.ts"; SUB="$OUT/sub.ts"; META="$OUT/schedule.json"
SUB_GOP=25                   # the substream's keyframe interval: 1 s, as keyframe-only detection assumes
if [ -s "$MAIN" ] && [ -s "$SUB" ] && [ -s "$META" ] && grep -q "\"sub_gop\": $SUB_GOP" "$META"; then
  echo "media: cached in $OUT"; exit 0
fi
command -v ffmpeg >/dev/null || { echo "make-media: ffmpeg is missing (apt-get install ffmpeg)" >&2; exit 2; }
echo "media: encoding ${LOOP}s of 1080p25 + 360p25 into $OUT (once; about a minute)"
# box: 1/6 of the frame height tall, 1/3 wide; x goes from -w to W during the window.
X="if(between(mod(t,$PERIOD),$OFFSET,$OFFSET+$WINDOW),(mod(t,$PERIOD)-$OFFSET)/$WINDOW*(W+w)-w,-w-8)"
X264="-c:v libx264 -preset veryfast -profile:v high -pix_fmt yuv420p -sc_threshold 0 -bf 0 -x264-params repeat-headers=1"
ffmpeg -nostdin -hide_banner -loglevel error -y \
  -f lavfi -i "smptehdbars=size=1920x1080:rate=25:duration=$LOOP" \
  -f lavfi -i "color=c=white:size=360x180:rate=25:duration=$LOOP" \
  -filter_complex "[0:v]noise=alls=6:allf=t[bg];[bg][1:v]overlay=x='$X':y=(H-h)/2:eval=frame:shortest=1,format=yuv420p,split[m][s0];[s0]scale=640:360:flags=area[s]" \
  -map "[m]" $X264 -g 50 -keyint_min 50 -b:v 4M -maxrate 4.4M -bufsize 8M -f mpegts "$MAIN.tmp" \
  -map "[s]" $X264 -g $SUB_GOP -keyint_min $SUB_GOP -b:v 512k -maxrate 600k -bufsize 1M -f mpegts "$SUB.tmp"
mv "$MAIN.tmp" "$MAIN"; mv "$SUB.tmp" "$SUB"
cat > "$META" <<JSON
{"loop_seconds": $LOOP, "fps": 25, "gop": 50, "sub_gop": $SUB_GOP, "period_seconds": $PERIOD, "offset_seconds": $OFFSET, "window_seconds": $WINDOW}
JSON
for f in "$MAIN" "$SUB"; do
  ffprobe -v error -count_packets -show_entries stream=width,height,nb_read_packets -of csv=p=0 "$f" | sed "s|^|media: $(basename "$f"): |"
done
ls -l "$OUT"
