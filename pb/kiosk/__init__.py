"""Kiosk and paper: sites, liaison-run kiosk sessions and paper ballot batches."""
