"""Report building: context, rendering (HTML, PDF) and machine-readable exports."""
