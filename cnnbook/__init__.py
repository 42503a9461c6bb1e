"""cnnbook: a convolutional neural network built from first principles."""
